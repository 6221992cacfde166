"""The baseline: raw aio-pika doing the hub's hop with the same fan-out, and nothing else.

Consume one request, publish as many persistent messages as the hub does per order (reply,
billing, provisioning, e-mail, event) with publisher confirms, then ack. ``--uvloop`` runs it
on the event loop the hub runs on; without it, on asyncio's own.
"""

import asyncio
import os
import sys

import aio_pika
import uvloop

EXCHANGE = "bench.raw"
FAN_OUT = ("billing.order", "provisioning.order", "notification.email", "order.accepted")


async def serve(amqp_url: str, prefetch: int) -> None:
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=prefetch)
    exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC,
                                              durable=True)
    queue = await channel.declare_queue("bench.raw.in", durable=True,
                                        arguments={"x-queue-type": "quorum"})
    await queue.bind(exchange, "order.submit")

    async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        body = message.body
        publishes = [
            exchange.publish(aio_pika.Message(body, correlation_id=message.correlation_id,
                                              delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                             routing_key=key, mandatory=False)  # as the hub's relay
            for key in FAN_OUT
        ]
        publishes.append(channel.default_exchange.publish(
            aio_pika.Message(b'{"status":"accepted"}', correlation_id=message.correlation_id,
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=message.reply_to or ""))
        await asyncio.gather(*publishes)
        await message.ack()

    await queue.consume(handle)
    print("ready", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--uvloop"]
    loop_factory = uvloop.new_event_loop if "--uvloop" in sys.argv else None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
                         int(args[0]) if args else 128))
