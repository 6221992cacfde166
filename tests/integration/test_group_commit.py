"""Group commit: a batch of requests in one transaction keeps every promise one request had.

A refused or crashing request inside a batch leaves its neighbours alone; a worker killed -9
in the middle of a batch answers every order exactly once (a reply may be repeated, never
changed) and publishes its work at least once under a stable ``message_id``; a worker stopped
with SIGTERM under load records what it published, so a restart publishes nothing again.
Each of the last two runs `hub run` with its relay process (the default) and with the relay
in the worker.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aio_pika
import pytest

import hub.routes.orders
from hub.client import HubCaller, Received
from hub.settings import Settings
from tests.support.factories import an_order
from tests.support.hubs import running_hub
from tests.support.relay_processes import gone, relay_process_of, unsent

pytestmark = pytest.mark.integration


class Replies:
    """Every reply that reaches one reply queue, repeats included."""

    def __init__(self) -> None:
        self.by_correlation: dict[str, list[Received]] = defaultdict(list)
        self._changed = asyncio.Condition()

    async def attach(self, caller: HubCaller) -> str:
        queue = await caller.channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.consume(self._on_reply, no_ack=True)
        return queue.name

    async def _on_reply(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with self._changed:
            self.by_correlation[message.correlation_id or ""].append(Received(
                routing_key=message.routing_key or "", type=message.type,
                correlation_id=message.correlation_id, message_id=message.message_id,
                content_type=message.content_type, body=message.body,
                headers=dict(message.headers or {})))
            self._changed.notify_all()

    async def wait_for(self, count: int, timeout: float) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.by_correlation) >= count), timeout)


async def send_orders(caller: HubCaller, reply_to: str, prefix: str, count: int) -> list[str]:
    order_ids = [f"{prefix}-{n}" for n in range(count)]
    for order_id in order_ids:
        await caller.send("order.submit", an_order(order_id), message_id=f"msg-{order_id}",
                          correlation_id=order_id, reply_to=reply_to)
    return order_ids


@asynccontextmanager
async def hub_process(settings: Settings, tmp_path: Path, **env: str
                      ) -> AsyncIterator[subprocess.Popen]:
    """``hub run`` in a process of its own, started once it consumes; killed if still alive."""
    log = tmp_path / f"hub-{len(list(tmp_path.glob('hub-*.log')))}.log"
    environment = dict(os.environ, AMQP_URL=settings.amqp_url,
                       DATABASE_URL=settings.database_url, HUB_LOG_LEVEL="INFO",
                       HUB_HTTP_ADDR="127.0.0.1:0", **env)
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "hub.cli", "run"], env=environment,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        while "hub consuming" not in log.read_text():
            assert process.poll() is None, log.read_text()
            await asyncio.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def assert_answered_once_each(replies: Replies, order_ids: list[str]) -> None:
    """Every order has a reply; a repeated reply says exactly what the first one said."""
    assert set(replies.by_correlation) == set(order_ids)
    for order_id in order_ids:
        bodies = {json.dumps(r.json(), sort_keys=True) for r in replies.by_correlation[order_id]}
        assert len(bodies) == 1, f"{order_id} was answered differently: {bodies}"
        [body] = [json.loads(b) for b in bodies]
        assert body["status"] == "accepted", body
        assert body["result"]["order_id"] == order_id


def billing_ids_by_order(caller: HubCaller) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for message in caller.matching("billing.order"):
        found[message.correlation_id or ""].add(message.message_id or "")
    return found


def assert_billed_under_one_id_each(caller: HubCaller, order_ids: list[str]) -> None:
    """Published at least once each, and always under the same ``message_id``."""
    billed = billing_ids_by_order(caller)
    assert {order_id: len(ids) for order_id, ids in billed.items()} == dict.fromkeys(order_ids, 1)


async def billed_every_order(caller: HubCaller, order_ids: list[str]) -> None:
    """Wait until every order's billing message was seen at least once."""
    while not set(order_ids) <= set(billing_ids_by_order(caller)):
        seen = len(caller.matching("billing.order"))
        await caller.wait_for("billing.order", count=seen + 1, timeout=120)


async def test_a_refused_and_a_crashing_request_leave_their_batch_neighbours_alone(
    settings: Settings, caller: HubCaller, monkeypatch
):
    real_submit = hub.routes.orders.submit_order

    async def crashes_once_midway(order, request, uow, policy):
        if order.order_id == "BATCH-CRASH":
            async with uow:
                # half-done work in the shared transaction: must vanish with the crash
                uow.outbox.event("order.status_changed", {"order_id": "BATCH-CRASH-HALF"})
                await uow.session.flush()
                raise RuntimeError("crashed inside the batch")
        return await real_submit(order, request, uow, policy)

    monkeypatch.setattr(hub.routes.orders, "submit_order", crashes_once_midway)
    replies = Replies()
    reply_to = await replies.attach(caller)
    settings = settings.model_copy(update={"batch_wait_ms": 200.0})
    async with running_hub(settings) as worker:
        good = await send_orders(caller, reply_to, "BATCH-OK", 20)
        await caller.send("order.submit", an_order("BATCH-BAD", items=[]),
                          message_id="msg-BATCH-BAD", correlation_id="BATCH-BAD",
                          reply_to=reply_to)
        await caller.send("order.submit", an_order("BATCH-CRASH"), message_id="msg-BATCH-CRASH",
                          correlation_id="BATCH-CRASH", reply_to=reply_to)
        good += await send_orders(caller, reply_to, "BATCH-OK2", 20)
        await replies.wait_for(len(good) + 2, timeout=120)
        await caller.wait_for("billing.order", count=len(good), timeout=60)
        assert worker.group_commit is not None
        batches, turns = worker.group_commit.batches, worker.group_commit.turns

    for order_id in good:
        [reply] = replies.by_correlation[order_id]
        assert reply.json()["status"] == "accepted"
    [bad] = replies.by_correlation["BATCH-BAD"]
    assert bad.json()["errors"][0]["code"] == "order.no_items"
    [crashed] = replies.by_correlation["BATCH-CRASH"]
    assert crashed.json()["errors"][0]["code"] == "hub.internal_error"
    assert set(billing_ids_by_order(caller)) == set(good)
    assert not caller.matching("order.status_changed", order_id="BATCH-CRASH-HALF")
    # the requests really shared transactions
    assert batches < turns


# where `hub run` publishes its outbox: its relay process (the default) or the worker itself
RELAYS = pytest.mark.parametrize("relay", ["process", "worker"])


def relay_setting(relay: str) -> dict[str, str]:
    return {"HUB_RELAY_PROCESS": "1" if relay == "process" else "0"}


@RELAYS
@pytest.mark.timeout(600)
async def test_a_worker_killed_in_the_middle_of_a_batch_answers_every_order_exactly_once(
    settings: Settings, caller: HubCaller, tmp_path: Path, relay: str
):
    replies = Replies()
    reply_to = await replies.attach(caller)
    # queued before the worker starts, so its first batches are full ones of 100
    order_ids = await send_orders(caller, reply_to, "KILLED", 300)
    async with hub_process(settings, tmp_path, HUB_BATCH_MAX="100", HUB_PREFETCH="128",
                           **relay_setting(relay)) as worker:
        await replies.wait_for(1, timeout=120)
        worker.send_signal(signal.SIGKILL)  # the next batch is under way: killed in it
        worker.wait()
    if relay == "process":
        # its pipe closed: it publishes what it holds, records it and exits on its own
        child = await relay_process_of(next(tmp_path.glob("hub-*.log")))
        assert await gone(child, timeout=30), "the relay process outlived its killed worker"
    async with running_hub(settings):
        await replies.wait_for(len(order_ids), timeout=180)
        await billed_every_order(caller, order_ids)
        assert_billed_under_one_id_each(caller, order_ids)

    assert_answered_once_each(replies, order_ids)


@RELAYS
@pytest.mark.timeout(600)
async def test_sigterm_under_load_then_restart_publishes_nothing_twice(
    settings: Settings, caller: HubCaller, tmp_path: Path, relay: str
):
    replies = Replies()
    reply_to = await replies.attach(caller)
    order_ids = await send_orders(caller, reply_to, "TERM", 300)
    async with hub_process(settings, tmp_path, **relay_setting(relay)) as worker:
        await replies.wait_for(1, timeout=120)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait) == 0
    if relay == "process":
        child = await relay_process_of(next(tmp_path.glob("hub-*.log")))
        assert await gone(child, timeout=5), "the relay process outlived its worker"
    # what it committed it published and recorded as sent before it exited
    assert await unsent(settings) == 0
    async with running_hub(settings):
        await replies.wait_for(len(order_ids), timeout=180)
        await billed_every_order(caller, order_ids)

    assert_answered_once_each(replies, order_ids)
    billing = caller.matching("billing.order")
    # what the stopped worker published it recorded as sent: no order went out twice
    assert sorted(m.correlation_id for m in billing) == sorted(order_ids)
