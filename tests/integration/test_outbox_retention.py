"""Published outbox rows are removed after ``HUB_OUTBOX_RETENTION_DAYS``; unpublished rows never.

On SQLite and PostgreSQL: the pruning itself (in chunks), a running hub's sweeper doing it with
the relay in the worker and with the relay process, and ``0`` keeping everything.
"""

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hub.delivery.relay import prune_sent
from hub.store import migrations
from hub.store.database import Database, open_database
from hub.store.tables import OutboxRow
from tests.support.hubs import running_hub

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)


def a_row(message_id: str, created: datetime, sent: datetime | None) -> OutboxRow:
    return OutboxRow(message_id=message_id, exchange="hub.events", routing_key="retention.test",
                     message_type="retention.test", content_type="application/json",
                     correlation_id=message_id, headers={}, body=b"{}", created_at=created,
                     sent_at=sent)


async def seed(database: Database) -> None:
    """25 rows published 40 days ago, 3 published yesterday, 2 never published (60 days old)."""
    async with database.sessions() as session:
        session.add_all(
            [a_row(f"old-{n}", NOW - timedelta(days=41), NOW - timedelta(days=40))
             for n in range(25)]
            + [a_row(f"recent-{n}", NOW - timedelta(days=1), NOW - timedelta(days=1))
               for n in range(3)]
            + [a_row(f"unsent-{n}", NOW - timedelta(days=60), None) for n in range(2)])
        await session.commit()


async def message_ids(database: Database) -> set[str]:
    async with database.sessions() as session:
        return set((await session.execute(select(OutboxRow.message_id))).scalars())


@pytest.fixture
async def database(database_url: str):
    await migrations.upgrade(database_url)
    database = open_database(database_url)
    await seed(database)
    yield database
    await database.dispose()


async def test_rows_published_before_the_cutoff_go_in_chunks_and_unpublished_rows_stay(database):
    pruned = await prune_sent(database, NOW - timedelta(days=30), chunk=10)

    assert pruned == 25  # three full chunks of 10, 10 and 5
    assert await message_ids(database) == {"recent-0", "recent-1", "recent-2",
                                           "unsent-0", "unsent-1"}
    assert await prune_sent(database, NOW - timedelta(days=30), chunk=10) == 0


async def test_a_pruning_stops_after_its_chunks_and_the_next_one_goes_on(database):
    cutoff = NOW - timedelta(days=30)

    assert await prune_sent(database, cutoff, chunk=10, chunks=2) == 20
    assert await prune_sent(database, cutoff, chunk=10, chunks=2) == 5
    assert {m for m in await message_ids(database) if m.startswith("old-")} == set()


RELAYS = pytest.mark.parametrize("relay_process", [False, True],
                                 ids=["relay-in-worker", "relay-process"])


@RELAYS
async def test_a_running_hub_prunes_what_it_published_before_its_retention(
    database, settings, relay_process
):
    # half a day, not the default 30: a relay process that missed the setting keeps "recent"
    configured = settings.model_copy(update={"outbox_retention_days": 0.5,
                                             "relay_process": relay_process})
    async with running_hub(configured):
        # the sweeper publishes the unpublished rows and prunes one sweep after start
        for _ in range(300):
            left = await message_ids(database)
            if not any(m.startswith(("old-", "recent-")) for m in left):
                break
            await asyncio.sleep(0.1)
    assert left == {"unsent-0", "unsent-1"}
    async with database.sessions() as session:
        unsent = (await session.execute(
            select(OutboxRow.message_id).where(OutboxRow.sent_at.is_(None)))).scalars().all()
    assert unsent == []  # published by the sweeper, not removed


@RELAYS
async def test_retention_zero_keeps_every_row(database, settings, relay_process):
    configured = settings.model_copy(update={"outbox_retention_days": 0.0,
                                             "relay_process": relay_process})
    assert configured.outbox_retention is None
    async with running_hub(configured) as hub:
        # several sweeps, the unpublished rows among them published
        for _ in range(300):
            if hub.relay.settled and not await _unsent(database):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(4 * configured.outbox_sweep_seconds)
    assert len(await message_ids(database)) == 30


async def _unsent(database: Database) -> int:
    async with database.sessions() as session:
        return len((await session.execute(
            select(OutboxRow.id).where(OutboxRow.sent_at.is_(None)))).scalars().all())


async def hub_command(*arguments: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", *arguments, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_hub_db_prune_outbox_removes_what_is_older_than_its_days(database, database_url):
    code, out, err = await hub_command("db", "prune-outbox", "--days", "30",
                                       env={"DATABASE_URL": database_url})

    assert (code, err) == (0, "")
    assert "removed 25 message(s) published more than 30 day(s) ago; 2 not yet published" in out
    assert await message_ids(database) == {"recent-0", "recent-1", "recent-2",
                                           "unsent-0", "unsent-1"}


async def test_hub_db_prune_outbox_takes_the_retention_setting_by_default(database,
                                                                         database_url):
    code, out, _ = await hub_command("db", "prune-outbox", env={
        "DATABASE_URL": database_url, "HUB_OUTBOX_RETENTION_DAYS": "0.5"})

    assert code == 0
    assert "removed 28 message(s)" in out
    assert await message_ids(database) == {"unsent-0", "unsent-1"}


@pytest.mark.parametrize(("arguments", "env", "says"), [
    (["--days", "0"], {}, "--days must be above 0"),
    (["--days", "-3"], {}, "--days must be above 0"),
    ([], {"HUB_OUTBOX_RETENTION_DAYS": "0"}, "HUB_OUTBOX_RETENTION_DAYS is 0"),
    (["--days", "soon"], {}, "Invalid value for '--days'"),
])
async def test_hub_db_prune_outbox_refuses_what_it_cannot_do_and_removes_nothing(
    database, database_url, arguments, env, says
):
    code, _, err = await hub_command("db", "prune-outbox", *arguments,
                                     env={"DATABASE_URL": database_url, **env})

    assert code == 2
    assert says in err
    assert len(await message_ids(database)) == 30


async def test_hub_db_prune_outbox_says_when_the_database_does_not_answer():
    code, _, err = await hub_command("db", "prune-outbox", "--days", "30", env={
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})

    assert code == 1
    assert err.startswith("the outbox could not be pruned: ")
