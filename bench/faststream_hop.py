"""The framework's own ceiling: FastStream doing the raw hop (``bench/raw_hop.py``) and nothing else.

The same queue type, prefetch, fan-out and confirms as the raw hop, through a FastStream
subscriber (its parser, middlewares, fast-depends, ack policy and reply), with no store, no
validation of the body and no mapping. What it reaches against raw aio-pika is about the most
a service built on FastStream can reach on the same machine: the hub's figures are read
against it.

``--lean`` publishes the fan-out as the hub's outbox does (a plain aio-pika confirmed channel on
FastStream's connection) and leaves FastStream only the consume, the reply and the ack.
Usage: ``python -m bench.faststream_hop [--uvloop] [--lean] [PREFETCH]``.
"""

import asyncio
import logging
import os
import sys
from typing import Any

import aio_pika
import uvloop
from faststream.middlewares import AckPolicy
from faststream.rabbit import (
    Channel,
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
    RabbitResponse,
)
from faststream.rabbit.message import RabbitMessage

from hub.routes.envelope import InlineContext

EXCHANGE = RabbitExchange("bench.fs", type=ExchangeType.TOPIC, durable=True)
QUEUE = RabbitQueue("bench.fs.in", durable=True, routing_key="order.submit",
                    arguments={"x-queue-type": "quorum"})
FAN_OUT = ("billing.order", "provisioning.order", "notification.email", "order.accepted")


# the message as a parameter resolved on the loop, as the hub's routes take their request: a
# plain ``RabbitMessage`` parameter is resolved by fast-depends in a worker thread, a hop per
# message
MESSAGE: Any = InlineContext("message")


class FanOut:
    """A request's four fan-out messages, confirmed together: on a plain aio-pika channel, as
    the hub's relay publishes (``lean``), or through FastStream's own publisher."""

    def __init__(self, broker: RabbitBroker, lean: bool) -> None:
        self.broker = broker
        self.lean = lean
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def open(self) -> None:
        if self.lean:
            channel = await (await self.broker.connect()).channel(publisher_confirms=True)
            self._exchange = await channel.declare_exchange(
                EXCHANGE.name, aio_pika.ExchangeType.TOPIC, durable=True)

    async def __call__(self, body: bytes, correlation_id: str | None) -> None:
        if self._exchange is not None:
            exchange = self._exchange
            await asyncio.gather(*(
                exchange.publish(aio_pika.Message(body, correlation_id=correlation_id,
                                                  delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                 routing_key=key, mandatory=False)
                for key in FAN_OUT))
        else:
            await asyncio.gather(*(
                self.broker.publish(body, exchange=EXCHANGE, routing_key=key, persist=True,
                                    mandatory=False, correlation_id=correlation_id)
                for key in FAN_OUT))


def build(amqp_url: str, prefetch: int, lean: bool) -> tuple[RabbitBroker, FanOut]:
    broker = RabbitBroker(amqp_url, default_channel=Channel(prefetch_count=prefetch),
                          log_level=logging.DEBUG)
    fan_out = FanOut(broker, lean)

    @broker.subscriber(QUEUE, EXCHANGE, ack_policy=AckPolicy.NACK_ON_ERROR)
    async def handle(message: RabbitMessage = MESSAGE) -> RabbitResponse:
        await fan_out(message.body, message.correlation_id)
        return RabbitResponse(b'{"status":"accepted"}', correlation_id=message.correlation_id,
                              persist=True)

    return broker, fan_out


async def serve(amqp_url: str, prefetch: int, lean: bool) -> None:
    broker, fan_out = build(amqp_url, prefetch, lean)
    await broker.connect()
    await fan_out.open()
    await broker.start()
    print("ready", flush=True)
    try:
        await asyncio.Future()
    finally:
        await broker.stop()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    loop_factory = uvloop.new_event_loop if "--uvloop" in sys.argv else None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
                         int(args[0]) if args else 128, "--lean" in sys.argv))
