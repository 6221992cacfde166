"""An in-memory unit of work for broker-free use-case tests.

The use cases run on the hub's real :class:`UnitOfWork`, real repositories and real SQL over a
SQLite store of the test's own; only the broker is absent. What a use case committed to the
outbox is what the relay would publish: the unit of work's after-commit callback records it in
:attr:`Store.published`, and the fixture checks at the end of every test that it is exactly
what the outbox table holds.

Migrations run once per session into a template file. The session shares one database, opened
with the hub's own ``open_database`` (one writer at a time, ``BEGIN IMMEDIATE``) as a worker
opens it; before each test SQLite's backup API copies the template over its content, so every
test starts from an empty, migrated store. States that several tests start from (a partner with
its employees and the catalog, a fulfilled order) are built by the real use cases once per
session and copied in the same way: ``store = await prepared(build)``.

Use the fixtures by importing them into a ``conftest.py``::

    from tests.support.memory_store import (  # noqa: F401
        prepared, store, store_database, store_states, store_template)
"""

import itertools
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hub.canonical.replies import Reply
from hub.delivery.partner_topology import vhost_of
from hub.interfaces.request import Request
from hub.store import migrations
from hub.store.database import Database, open_database
from hub.store.outbox import BACK_OFFICE_EXCHANGE, EVENTS_EXCHANGE, OutgoingMessage
from hub.store.unit_of_work import UnitOfWork

T = TypeVar("T")
Snapshot = dict[str, set[tuple[Any, ...]]]

_message_ids = itertools.count(1)


@dataclass
class Store:
    """The migrated SQLite store of one test, and what its units of work committed."""

    database: Database
    # the test's own look at the file, beside the hub's engine: reads only what was committed
    reader: sqlite3.Connection = field(repr=False)
    published: list[OutgoingMessage] = field(default_factory=list)

    def new_uow(self, correlation_id: str | None = None) -> UnitOfWork:
        """A unit of work as a worker opens one per request; commits land in ``published``."""
        return UnitOfWork(self.database, self.published.extend, correlation_id)

    # --- requests -------------------------------------------------------------------------

    @staticmethod
    def request(operation: str, message_id: str | None = None, user_id: str | None = None,
                channel: str | None = None, *, correlation_id: str | None = None,
                channel_partner: str | None = None, acting_user: str | None = None) -> Request:
        """A request as the brand owner's apps send it; every call gets a new ``message_id``
        unless it names one (a resend names the first's)."""
        return Request(operation=operation,
                       message_id=message_id or f"{operation}-{next(_message_ids)}",
                       correlation_id=correlation_id, user_id=user_id,
                       channel_partner=channel_partner, acting_user=acting_user,
                       channel=channel)

    @classmethod
    def partner_request(cls, operation: str, partner_id: str, acting_user: str | None = None,
                        message_id: str | None = None, user_id: str | None = "") -> Request:
        """A request on the partner's own vhost, its broker-validated user the partner's id
        unless ``user_id`` says otherwise (None: no user id at all)."""
        return cls.request(operation, message_id,
                           user_id=partner_id if user_id == "" else user_id,
                           channel=vhost_of(partner_id), channel_partner=partner_id,
                           acting_user=acting_user)

    # --- what was published ---------------------------------------------------------------

    def messages(self, routing_key: str | None = None) -> list[OutgoingMessage]:
        return [m for m in self.published if routing_key in (None, m.routing_key)]

    def routing_keys(self, since: int = 0) -> list[str]:
        """Routing keys of everything published (from position ``since`` on), in commit order."""
        return [m.routing_key for m in self.published[since:]]

    def events(self, name: str, since: int = 0) -> list[dict[str, Any]]:
        """The ``data`` of every ``name`` event on ``hub.events``, in commit order."""
        found = []
        for message in self.published[since:]:
            if message.exchange == EVENTS_EXCHANGE and message.routing_key == name:
                body = json.loads(message.body)
                assert body["event"] == name and body["event_id"] == message.message_id
                found.append(body["data"])
        return found

    def sent(self, routing_key: str, since: int = 0) -> list[OutgoingMessage]:
        """Work recorded for a back-office system on ``hub.out``."""
        return [m for m in self.published[since:]
                if m.exchange == BACK_OFFICE_EXCHANGE and m.routing_key == routing_key]

    def mails(self, since: int = 0) -> list[dict[str, Any]]:
        """The customer e-mails recorded for ``notification.email``."""
        return [json.loads(m.body) for m in self.sent("notification.email", since)]

    # --- what is stored -------------------------------------------------------------------

    async def read(self, query: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """``query`` in a fresh unit of work that commits nothing: the state as stored.

        Rows are detached once it returns: ``query`` returns plain values, not rows."""
        async with self.new_uow() as uow:
            return await query(uow)

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.reader.execute(sql).fetchall()

    async def snapshot(self) -> Snapshot:
        """Every committed row of every table, to tell afterwards what a request changed."""
        names = [name for (name,) in self._rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
        return {name: set(self._rows(f'SELECT * FROM "{name}"')) for name in names}

    async def changes_since(self, before: Snapshot) -> dict[str, str]:
        """Which tables changed since ``before``: ``"+2"`` rows added, ``"-1"`` removed,
        ``"+1-1"`` one row altered (or one replaced)."""
        after = await self.snapshot()
        changed = {}
        for name in sorted(set(before) | set(after)):
            added = len(after.get(name, set()) - before.get(name, set()))
            removed = len(before.get(name, set()) - after.get(name, set()))
            if added or removed:
                changed[name] = (f"+{added}" if added else "") + (f"-{removed}" if removed
                                                                   else "")
        return changed

    async def stored_reply(self, message_id: str, caller: str = "brand-owner") -> Reply | None:
        """The reply the inbox keeps for ``message_id``."""
        async def find(uow: UnitOfWork) -> Reply | None:
            answered = await uow.inbox.find(caller, message_id)
            return None if answered is None else Reply.model_validate(answered.reply)
        return await self.read(find)

    async def check_outbox(self) -> None:
        """What the callback saw published is exactly what the outbox table holds, in order."""
        stored = [message_id for (message_id,) in self._rows(
            "SELECT message_id FROM outbox ORDER BY id")]
        assert stored == [m.message_id for m in self.published], (
            "the after-commit callback and the outbox table disagree")


def _seal(path: Path) -> None:
    """Leave the migrated template as one self-contained file, safe to copy byte by byte, and
    already in the WAL mode the hub sets (so a copy's first connection does not convert it)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    _check_closed(path)


def _check_closed(path: Path) -> None:
    # SQLite removes the write-ahead log when the last connection to the file closes
    if path.with_name(path.name + "-wal").exists():
        raise RuntimeError(f"a connection to {path} is still open; it cannot be copied")


@dataclass
class _Live:
    """The one database the tests share, and what it holds now.

    A worker keeps one engine for its life, and so do the tests: SQLAlchemy compiles each
    statement once per engine, which costs more than most use cases. Between tests the file's
    content is replaced, through SQLite's backup API, by the state the next test starts from.
    """

    path: Path
    database: Database
    keeper: sqlite3.Connection
    in_use: bool = False

    @asynccontextmanager
    async def holding(self, source: Path, published: list[OutgoingMessage]
                      ) -> AsyncIterator[Store]:
        """The database holding a copy of ``source``, checked afterwards."""
        assert not self.in_use, "one store per test: ask for `store` or `prepared(...)` once"
        pool: Any = self.database.engine.sync_engine.pool
        assert pool.checkedout() == 0, "a unit of work of the last test is still open"
        self.restore(source)
        store = Store(self.database, self.keeper, list(published))
        self.in_use = True
        try:
            yield store
        finally:
            self.in_use = False
        await store.check_outbox()

    def restore(self, source: Path) -> None:
        with closing(sqlite3.connect(source)) as copy:
            copy.backup(self.keeper)

    def save(self, path: Path) -> None:
        with closing(sqlite3.connect(path)) as copy:
            self.keeper.backup(copy)


@dataclass(frozen=True)
class _State:
    path: Path
    published: list[OutgoingMessage]


@pytest.fixture(scope="session")
async def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hub's schema at its newest revision, migrated once per session."""
    path = tmp_path_factory.mktemp("memory-store") / "template.db"
    await migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    _seal(path)
    return path


@pytest.fixture(scope="session")
async def store_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[_Live]:
    """The hub's own ``open_database`` (one writer at a time, ``BEGIN IMMEDIATE``), opened
    once per session on a file each test replaces."""
    path = tmp_path_factory.mktemp("memory-store") / "hub.db"
    live = _Live(path, open_database(f"sqlite+aiosqlite:///{path}"), sqlite3.connect(path))
    yield live
    await live.database.dispose()
    live.keeper.close()


@pytest.fixture(scope="session")
def store_states() -> dict[Callable[..., Any], _State]:
    """States the use cases built once this session, by the function that built them."""
    return {}


@pytest.fixture
async def store(store_template: Path, store_database: _Live) -> AsyncIterator[Store]:
    """A fresh, migrated, empty store of this test's own."""
    async with store_database.holding(store_template, []) as store:
        yield store


Build = Callable[[Store], Awaitable[None]]
Prepared = Callable[[Build], Awaitable[Store]]


@pytest.fixture
async def prepared(store_template: Path, store_database: _Live,
                   store_states: dict[Callable[..., Any], _State],
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Prepared]:
    """``store = await prepared(build)``: the store in the state ``build`` leaves it in.

    ``build`` runs the real use cases on an empty store once per session; every test that
    asks for it starts from a copy of the result, with what ``build`` published already in
    ``published``. A build must depend on nothing but the store it is given, and be a
    function defined once (it is the key of the state).
    """
    async with AsyncExitStack() as stack:
        async def start(build: Build) -> Store:
            if build not in store_states:
                async with store_database.holding(store_template, []) as built:
                    await build(built)
                path = tmp_path_factory.mktemp("memory-state") / "hub.db"
                store_database.save(path)
                store_states[build] = _State(path, built.published)
            state = store_states[build]
            return await stack.enter_async_context(store_database.holding(state.path,
                                                                          state.published))

        yield start
