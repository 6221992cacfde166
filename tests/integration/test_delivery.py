"""Nothing lost, nothing done twice: poison messages, restarts, crashes between commit and publish."""

import asyncio

import aio_pika
import pytest

import hub.routes.orders
from hub.client import HubCaller
from hub.store.unit_of_work import UnitOfWork
from tests.support.factories import an_order
from tests.support.hubs import dead_letters, next_message, running_hub

pytestmark = pytest.mark.integration


async def test_poison_message_is_retried_then_dead_lettered_and_the_hub_goes_on(
    settings, caller: HubCaller, amqp_url, monkeypatch
):
    real_submit = hub.routes.orders.submit_order

    async def crashes_on_poison(order, request, uow, policy):
        if order.order_id == "POISON":
            raise RuntimeError("cannot digest this one")
        return await real_submit(order, request, uow, policy)

    monkeypatch.setattr(hub.routes.orders, "submit_order", crashes_on_poison)
    async with running_hub(settings):
        poison = await caller.call("order.submit", an_order("POISON"), message_id="poison-1",
                                   timeout=30)
        healthy = await caller.call("order.submit", an_order("AFTER-POISON"))

    assert poison.json()["errors"][0]["code"] == "hub.internal_error"
    assert "cannot digest this one" in poison.json()["errors"][0]["message"]
    assert healthy.json()["status"] == "accepted"
    [dead] = await dead_letters(amqp_url, "order.submit")
    assert dead.message_id == "poison-1"
    assert dead.headers["x-hub-error-code"] == "hub.internal_error"


async def test_messages_sent_while_the_hub_is_down_are_processed_after_restart(
    settings, caller: HubCaller
):
    async with running_hub(settings):
        pass
    for n in range(20):
        await caller.send("order.submit", an_order(f"WAITING-{n}"), message_id=f"wait-{n}")
    async with running_hub(settings):
        accepted = await caller.wait_for("order.accepted", count=20, timeout=30)
    assert {e.json()["data"]["order_id"] for e in accepted} == {f"WAITING-{n}" for n in range(20)}


async def test_stopping_mid_stream_loses_nothing_and_repeats_nothing(settings, caller: HubCaller):
    orders = [an_order(f"STREAM-{n}") for n in range(200)]
    async with running_hub(settings):
        for n, order in enumerate(orders):
            await caller.send("order.submit", order, message_id=f"stream-{n}")
        await caller.wait_for("order.accepted", count=10, timeout=30)
    # stopped with work in flight and queued; a new worker takes over
    async with running_hub(settings):
        await caller.wait_for("order.accepted", count=200, timeout=60)
    billed = caller.matching("billing.order")
    assert len({m.message_id for m in billed}) == 200
    accepted = {e.json()["data"]["order_id"] for e in caller.matching("order.accepted")}
    assert accepted == {o["order_id"] for o in orders}


async def test_outbox_rows_left_unpublished_by_a_crash_are_published_on_start(
    settings, caller: HubCaller
):
    async with running_hub(settings) as worker:
        # a transaction that commits but whose process dies before publishing
        crashed = UnitOfWork(worker.database, after_commit=lambda _: None)
        async with crashed:
            crashed.outbox.event("order.status_changed", {"order_id": "CRASHED"})
            await crashed.commit()
        [event] = await caller.wait_for("order.status_changed", order_id="CRASHED", timeout=10)
    assert event.json()["data"] == {"order_id": "CRASHED"}


async def test_two_workers_share_the_queue_and_each_order_is_handled_once(
    settings, caller: HubCaller
):
    async with running_hub(settings), running_hub(settings):
        for n in range(60):
            await caller.send("order.submit", an_order(f"PAIR-{n}"), message_id=f"pair-{n}")
            # the same request twice: whichever worker gets it, one effect
            await caller.send("order.submit", an_order(f"PAIR-{n}"), message_id=f"pair-{n}")
        await caller.wait_for("order.accepted", count=60, timeout=60)
        await asyncio.sleep(1.0)
    # at least once: a message may arrive twice, under the same message_id; one effect each
    accepted = caller.matching("order.accepted")
    assert len({m.message_id for m in accepted}) == 60
    assert len({m.json()["data"]["order_id"] for m in accepted}) == 60


async def test_messages_whose_publish_failed_are_published_by_the_sweeper(
    settings, caller: HubCaller
):
    async with running_hub(settings) as worker:
        real_publish = worker.relay._publish
        failures = 0

        async def broker_refuses_once(message):
            nonlocal failures
            if message.routing_key == "order.accepted" and failures == 0:
                failures += 1
                raise ConnectionError("channel closed under the relay")
            await real_publish(message)

        worker.relay._publish = broker_refuses_once
        reply = await caller.call("order.submit", an_order("ORD-RETRY"))
        assert reply.json()["status"] == "accepted"
        [accepted] = await caller.wait_for("order.accepted", order_id="ORD-RETRY", timeout=15)
    assert failures == 1
    assert accepted.json()["data"]["order_id"] == "ORD-RETRY"


async def test_a_reply_repeated_after_a_crash_before_the_ack_keeps_its_message_id(
    settings, amqp_url, monkeypatch
):
    real_ack = aio_pika.IncomingMessage.ack
    crashed: list[str] = []

    async def dies_before_the_first_ack(message, multiple=False):
        # the reply is out; the worker "dies" now, so the broker delivers the request again
        if message.message_id == "crash-before-ack" and not crashed:
            crashed.append(message.message_id)
            return await message.nack(requeue=True)
        return await real_ack(message, multiple)

    monkeypatch.setattr(aio_pika.IncomingMessage, "ack", dies_before_the_first_ack)
    async with running_hub(settings), await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel()
        replies = await channel.declare_queue(exclusive=True)
        async with HubCaller(amqp_url) as caller:
            await caller.send("order.submit", an_order("ORD-CRASH"),
                              message_id="crash-before-ack", reply_to=replies.name)
            first, second = [await next_message(replies) for _ in range(2)]
            other = await caller.call("order.submit", an_order("ORD-OTHER"))
    assert crashed == ["crash-before-ack"]
    assert first.message_id == second.message_id
    assert first.body == second.body
    assert other.message_id != first.message_id
