"""The benchmark's FastStream baseline does the raw hop's work, no less: a ratio against a
baseline that skipped a publish or never acked would flatter nobody but the baseline."""

import contextlib

import aio_pika
import pytest

from bench.faststream_hop import EXCHANGE, FAN_OUT, QUEUE, build
from tests.support.hubs import next_message

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("lean", [True, False], ids=["aio-pika fan-out", "faststream fan-out"])
async def test_the_faststream_hop_publishes_the_fan_out_replies_and_acks(amqp_url: str,
                                                                         lean: bool) -> None:
    broker, fan_out = build(amqp_url, prefetch=8, lean=lean)
    await broker.connect()
    await fan_out.open()
    await broker.start()
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EXCHANGE.name)
        fanned = await channel.declare_queue(exclusive=True)
        for key in FAN_OUT:
            await fanned.bind(exchange, key)
        replies = await channel.declare_queue(exclusive=True)
        await exchange.publish(aio_pika.Message(b'{"order_id": "B-1"}', correlation_id="c-1",
                                                message_id="m-1", reply_to=replies.name),
                               routing_key="order.submit")

        reply = await next_message(replies)
        out = [await next_message(fanned) for _ in FAN_OUT]

        assert reply.body == b'{"status":"accepted"}' and reply.correlation_id == "c-1"
        assert sorted(m.routing_key or "" for m in out) == sorted(FAN_OUT)
        assert {(m.body, m.correlation_id, m.delivery_mode) for m in out} == {
            (b'{"order_id": "B-1"}', "c-1", aio_pika.DeliveryMode.PERSISTENT)}
        # a request left unacked goes back to the queue when its consumer's channel closes
        await broker.stop()
        request_queue = await channel.declare_queue(QUEUE.name, passive=True)
        assert request_queue.declaration_result.message_count == 0
    finally:
        await connection.close()
        await broker.stop()
        with contextlib.suppress(Exception):
            cleanup = await aio_pika.connect(amqp_url)
            async with cleanup:
                await (await cleanup.channel()).queue_delete(QUEUE.name)
