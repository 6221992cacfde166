"""The outbox relay in a process of its own (``HUB_RELAY_PROCESS``) keeps the relay's promises.

A relay process killed under load is replaced, and what it held goes out again under the same
``message_id``; a hub configured in code gives its relay process its own store. On SQLite and
PostgreSQL. A worker stopped with SIGTERM or killed -9 with a relay process is in
``test_group_commit.py`` (both relays).
"""

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

from hub.client import HubCaller
from hub.delivery.relay_process import RelayProcess
from hub.settings import Settings
from hub.store import migrations
from hub.store.database import open_database
from hub.store.tables import OutboxRow
from tests.integration.test_group_commit import (
    Replies,
    assert_answered_once_each,
    assert_billed_under_one_id_each,
    billed_every_order,
    hub_process,
    send_orders,
)
from tests.support.hubs import running_hub
from tests.support.relay_processes import relay_process_of, unsent

pytestmark = pytest.mark.integration

RELAY_PROCESS = {"HUB_RELAY_PROCESS": "1"}


@pytest.mark.timeout(600)
async def test_a_relay_process_killed_under_load_is_replaced_and_its_messages_go_out_again(
    settings: Settings, caller: HubCaller, tmp_path: Path
):
    replies = Replies()
    reply_to = await replies.attach(caller)
    order_ids = await send_orders(caller, reply_to, "RP-KILL", 300)
    async with hub_process(settings, tmp_path, HUB_OUTBOX_STALE_SECONDS="1",
                           HUB_OUTBOX_SWEEP_SECONDS="0.5", **RELAY_PROCESS) as worker:
        [log] = tmp_path.glob("hub-*.log")
        first = await relay_process_of(log)
        await replies.wait_for(1, timeout=120)
        psutil.Process(first).kill()
        second = await asyncio.wait_for(relay_process_of(log, count=2), 30)
        assert second != first
        await replies.wait_for(len(order_ids), timeout=180)
        await billed_every_order(caller, order_ids)
        # everything published is recorded as sent, the messages the killed one held included
        while await unsent(settings):
            await asyncio.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait) == 0
        assert f"outbox relay process {first} exited" in log.read_text()

    assert_answered_once_each(replies, order_ids)
    # a message published again kept its message_id
    assert_billed_under_one_id_each(caller, order_ids)


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
