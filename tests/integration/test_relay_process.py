"""The outbox relay in a process of its own (``HUB_RELAY_PROCESS``) keeps the relay's promises.

A worker stopped with SIGTERM lets its relay process publish and record what it holds, so a
restart publishes nothing again; a relay process killed under load is replaced, and what it
held goes out again under the same ``message_id``; a worker killed -9 leaves no relay process
behind, and the next worker publishes what was left. On SQLite and PostgreSQL.
"""

import asyncio
import re
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from hub.client import HubCaller
from hub.delivery.relay_process import RelayProcess
from hub.settings import Settings
from hub.store import migrations
from hub.store.database import open_database
from hub.store.tables import OutboxRow
from tests.integration.test_group_commit import (
    Replies,
    assert_answered_once_each,
    billed_every_order,
    billing_ids_by_order,
    hub_process,
    send_orders,
)
from tests.support.hubs import running_hub

pytestmark = pytest.mark.integration

RELAY_PROCESS = {"HUB_RELAY_PROCESS": "1"}
STARTED = re.compile(r"outbox relay runs in process (\d+)")


def relay_pids(log: str) -> list[int]:
    return [int(pid) for pid in STARTED.findall(log)]


async def relay_process_of(tmp_path: Path, count: int = 1) -> int:
    """The pid of the ``count``-th relay process the worker in ``tmp_path`` started."""
    [log] = tmp_path.glob("hub-*.log")
    while len(pids := relay_pids(log.read_text())) < count:
        await asyncio.sleep(0.05)
    return pids[count - 1]


async def gone(pid: int, timeout: float) -> bool:
    try:
        await asyncio.to_thread(psutil.Process(pid).wait, timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


async def unsent(settings: Settings) -> int:
    database = open_database(settings.database_url)
    try:
        async with database.sessions() as session:
            return await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None)))
    finally:
        await database.dispose()


@pytest.mark.timeout(600)
async def test_sigterm_stops_the_relay_process_after_it_published_and_recorded_everything(
    settings: Settings, caller: HubCaller, tmp_path: Path
):
    replies = Replies()
    reply_to = await replies.attach(caller)
    order_ids = await send_orders(caller, reply_to, "RP-TERM", 300)
    async with hub_process(settings, tmp_path, **RELAY_PROCESS) as worker:
        relay = await relay_process_of(tmp_path)
        await replies.wait_for(1, timeout=120)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait) == 0
    assert await gone(relay, timeout=5), "the relay process outlived its worker"
    async with running_hub(settings):
        await replies.wait_for(len(order_ids), timeout=180)
        await billed_every_order(caller, order_ids)

    assert_answered_once_each(replies, order_ids)
    # what the relay process published, its worker recorded as sent: nothing went out twice
    billing = caller.matching("billing.order")
    assert sorted(m.correlation_id for m in billing) == sorted(order_ids)
    assert await unsent(settings) == 0


@pytest.mark.timeout(600)
async def test_a_relay_process_killed_under_load_is_replaced_and_its_messages_go_out_again(
    settings: Settings, caller: HubCaller, tmp_path: Path
):
    replies = Replies()
    reply_to = await replies.attach(caller)
    order_ids = await send_orders(caller, reply_to, "RP-KILL", 300)
    async with hub_process(settings, tmp_path, HUB_OUTBOX_STALE_SECONDS="1",
                           HUB_OUTBOX_SWEEP_SECONDS="0.5", **RELAY_PROCESS) as worker:
        first = await relay_process_of(tmp_path)
        await replies.wait_for(1, timeout=120)
        psutil.Process(first).kill()
        second = await asyncio.wait_for(relay_process_of(tmp_path, count=2), 30)
        assert second != first
        await replies.wait_for(len(order_ids), timeout=180)
        await billed_every_order(caller, order_ids)
        # everything published is recorded as sent, the messages the killed one held included
        while await unsent(settings):
            await asyncio.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait) == 0
        [log] = tmp_path.glob("hub-*.log")
        assert f"outbox relay process {first} exited" in log.read_text()

    assert_answered_once_each(replies, order_ids)
    # at least once each, and a message published again kept its message_id
    billed = billing_ids_by_order(caller)
    assert {order_id: len(ids) for order_id, ids in billed.items()} == dict.fromkeys(order_ids, 1)


@pytest.mark.timeout(600)
async def test_a_worker_killed_leaves_no_relay_process_and_the_next_worker_publishes_the_rest(
    settings: Settings, caller: HubCaller, tmp_path: Path
):
    replies = Replies()
    reply_to = await replies.attach(caller)
    order_ids = await send_orders(caller, reply_to, "RP-WORKER", 300)
    async with hub_process(settings, tmp_path, HUB_BATCH_MAX="100", HUB_PREFETCH="128",
                           **RELAY_PROCESS) as worker:
        relay = await relay_process_of(tmp_path)
        await replies.wait_for(1, timeout=120)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    # its pipe closed: it publishes what it holds and exits on its own
    assert await gone(relay, timeout=30), "the relay process outlived its killed worker"
    async with running_hub(settings):
        await replies.wait_for(len(order_ids), timeout=180)
        await billed_every_order(caller, order_ids)
        billed = billing_ids_by_order(caller)

    assert_answered_once_each(replies, order_ids)
    assert {order_id: len(ids) for order_id, ids in billed.items()} == dict.fromkeys(order_ids, 1)


async def test_a_hub_configured_in_code_gives_its_relay_process_its_own_store_and_broker(
    settings: Settings, caller: HubCaller, monkeypatch
):
    """The child reads its settings from its environment; the worker puts its own there."""
    # the environment names another store: a child that read it would sweep that one
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///elsewhere-never-used.db")
    await migrations.upgrade(settings.database_url)
    database = open_database(settings.database_url)
    try:
        async with database.sessions() as session:
            session.add(OutboxRow(
                message_id="left-behind-1", exchange="hub.out", routing_key="billing.order",
                message_type="billing.order", content_type="application/xml",
                correlation_id="LEFT-1", headers={}, body=b"<order/>",
                created_at=datetime.now(UTC) - timedelta(hours=1), sent_at=None))
            await session.commit()
    finally:
        await database.dispose()
    configured = settings.model_copy(update={"relay_process": True})
    async with running_hub(configured) as hub:
        assert isinstance(hub.relay, RelayProcess)
        [left] = await caller.wait_for("billing.order", count=1, timeout=60)
        assert (left.message_id, left.correlation_id) == ("left-behind-1", "LEFT-1")
        while await unsent(settings):
            await asyncio.sleep(0.2)
    assert not Path("elsewhere-never-used.db").exists()
