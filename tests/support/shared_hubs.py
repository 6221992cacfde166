"""One hub per test module and database kind, emptied between its tests.

Starting a hub declares the whole topology, builds every route and consumes seventy queues:
a few hundred milliseconds, more than most tests take themselves. Tests that ask for the
``hub`` fixture share one instead, and each starts from what a fresh hub would give it:

- after a test, the hub is left to finish: no request in progress on any vhost, everything
  committed published and recorded as sent (:meth:`SharedHub.release`);
- before the next, its ASI and connector queues are purged, every table is emptied (identities
  restarted, as in a fresh database) and the partner CRM connections it opened are closed
  (:meth:`SharedHub.acquire`).

A hub that does not settle in time, or whose connection died, is stopped and the next test
starts a new one. A test that starts its own hub (:func:`tests.support.hubs.running_hub`) or
takes a fresh database first stops every shared hub (:func:`suspend_shared_hubs`), so two hubs
never consume the same queues and no hub works on a database a fixture is resetting.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from hub.bootstrap import Hub, build_hub
from hub.settings import Settings
from hub.store.database import Database
from tests.support.databases import copy_sqlite, empty_postgres, truncate_postgres
from tests.support.hubs import purge_asi_queues

_live: set["SharedHub"] = set()


class SharedHub:
    """A hub started on first use and kept for the tests of one module and database kind."""

    def __init__(self, settings: Settings, fresh_store: Callable[[], Awaitable[None]],
                 purge: Callable[[], Awaitable[None]] | None = None) -> None:
        self.settings = settings
        # empties the store before a new hub starts on it (whose sweep would publish leftovers)
        self._fresh_store = fresh_store
        # empties queues beside the ASI ones (the partners' vhosts) before each test
        self._purge = purge
        self._hub: Hub | None = None

    async def acquire(self) -> Hub:
        hub = self._hub
        if hub is not None and not await answers(hub):
            await self.close()
            hub = None
        await purge_asi_queues(self.settings)
        if self._purge is not None:
            await self._purge()
        if hub is None:
            await suspend_shared_hubs()
            await self._fresh_store()
            hub = self._hub = build_hub(self.settings)
            await hub.start()
            _live.add(self)
            return hub
        await empty_tables(hub.database)
        # connections to partner CRMs of the test before (a simulator now gone)
        await hub.partner_calls.directory.aclose()
        return hub

    async def release(self, timeout: float = 10.0) -> None:
        """Let the hub finish the test's work; a hub that does not settle is stopped."""
        if self._hub is not None and not await settled(self._hub, timeout):
            await self.close()

    async def close(self) -> None:
        _live.discard(self)
        hub, self._hub = self._hub, None
        if hub is not None:
            await hub.stop()


SHARED_HUB_FIXTURES = ("shared_hub", "shared_channel_hub", "shared_soap_hub")


def shared_for(request: pytest.FixtureRequest) -> SharedHub | None:
    """The shared hub the test works with, if it takes one."""
    for name in SHARED_HUB_FIXTURES:
        if name in request.fixturenames:
            shared: SharedHub = request.getfixturevalue(name)
            return shared
    return None


def shared_hub_on(kind: str, postgres_url: str, sqlite_template: Path,
                  tmp_path_factory: pytest.TempPathFactory,
                  settings_for: Callable[[str], Settings],
                  purge: Callable[[], Awaitable[None]] | None = None) -> SharedHub:
    """A shared hub on a database of the module's own (an SQLite file, or the run's
    PostgreSQL database), configured by ``settings_for(database_url)``."""
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("shared") / "hub.db"

        async def fresh_sqlite() -> None:
            copy_sqlite(sqlite_template, path)

        return SharedHub(settings_for(f"sqlite+aiosqlite:///{path}"), fresh_sqlite, purge)

    async def fresh_postgres() -> None:
        await empty_postgres(postgres_url)

    return SharedHub(settings_for(postgres_url), fresh_postgres, purge)


async def answers(hub: Hub) -> bool:
    """The hub's connections to its own vhost and to each partner's are alive."""
    brokers = [hub.consumer, *(hub.partner_vhosts.brokers.values() if hub.partner_vhosts else ())]
    return all([await broker.ping(1.0) for broker in brokers])


async def suspend_shared_hubs() -> None:
    """Stop every shared hub (the next test that asks for one starts it again)."""
    for shared in list(_live):
        await shared.close()


def in_process(hub: Hub) -> float:
    """Messages inside a handler now, on the brand owner's vhost and every partner's."""
    return sum(sample.value for metric in hub.metrics.registry.collect()
               for sample in metric.samples
               if sample.name.endswith("received_messages_in_process"))


async def settled(hub: Hub, timeout: float) -> bool:
    """True once no handler runs and the relay holds nothing, three checks in a row."""
    deadline = time.monotonic() + timeout
    calm = 0
    while calm < 3:
        if time.monotonic() > deadline:
            return False
        calm = calm + 1 if in_process(hub) == 0 and hub.relay.settled else 0
        await asyncio.sleep(0.02)
    return True


async def empty_tables(database: Database) -> None:
    """Every table of the hub emptied, identities restarted: a fresh database's state."""
    async with database.writer(), database.sessions() as session:
        if database.is_sqlite:
            # foreign keys checked at commit, when every table is empty, whatever the order
            await session.execute(text("PRAGMA defer_foreign_keys = ON"))
            names = (await session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('alembic_version', 'sqlite_sequence')"))).all()
            for name in names:
                await session.execute(text(f'DELETE FROM "{name}"'))
            if await session.scalar(text("SELECT count(*) FROM sqlite_master "
                                         "WHERE name = 'sqlite_sequence'")):
                await session.execute(text("DELETE FROM sqlite_sequence"))
        else:
            await truncate_postgres(session)
        await session.commit()
