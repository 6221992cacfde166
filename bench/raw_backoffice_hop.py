"""The baseline: raw aio-pika doing the hub's back-office hop, and nothing else.

Consume a request from a quorum queue, forward it (persistent, confirmed, mandatory) to the
back office with ``reply_to`` an exclusive queue of its own, wait for the answer on a future,
publish the reply to the caller, then ack.
"""

import asyncio
import os
import sys
import uuid

import aio_pika


async def serve(amqp_url: str, prefetch: int) -> None:
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    await channel.set_qos(prefetch_count=prefetch)
    asi = await channel.declare_exchange("bench.raw", aio_pika.ExchangeType.TOPIC, durable=True)
    out = await channel.declare_exchange("hub.out", aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue("bench.raw.credit", durable=True,
                                        arguments={"x-queue-type": "quorum"})
    await queue.bind(asi, "credit.check")
    answers = await channel.declare_queue(f"bench.raw.answers.{uuid.uuid4().hex}",
                                          exclusive=True, auto_delete=True)
    waiting: dict[str, asyncio.Future[bytes]] = {}

    async def on_answer(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        future = waiting.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message.body)

    async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        waiting[correlation_id] = future
        try:
            await out.publish(aio_pika.Message(
                message.body, message_id=message.message_id, correlation_id=correlation_id,
                reply_to=answers.name, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key="backoffice.credit.check", mandatory=True)
            answer = await asyncio.wait_for(future, 30)
        finally:
            waiting.pop(correlation_id, None)
        await channel.default_exchange.publish(aio_pika.Message(
            answer, correlation_id=message.correlation_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=message.reply_to or "")
        await message.ack()

    await answers.consume(on_answer, no_ack=True)
    await queue.consume(handle)
    print("ready", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(serve(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
                      int(sys.argv[1]) if len(sys.argv) > 1 else 256))
