"""The database connection: SQLite file by default, PostgreSQL by ``DATABASE_URL``."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def normalise_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver for each."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


# the execution option of a connection that only reads: on SQLite it takes no writer's turn
# and sees the last commit (WAL) without waiting for the writer
READ_ONLY = "hub_read_only"


@dataclass
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker
    # SQLite has one writer: queue writers here instead of failing with "database is locked"
    _write_lock: asyncio.Lock | None = field(default=None)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.asynccontextmanager
    async def writer(self) -> AsyncIterator[None]:
        if self._write_lock is None:
            yield
            return
        async with self._write_lock:
            yield

    async def dispose(self) -> None:
        await self.engine.dispose()


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # the driver's own transaction handling breaks SAVEPOINTs (a group commit's requests
        # each have one): SQLAlchemy emits BEGIN itself instead
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        # IMMEDIATE: every unit of work is a writer, and a transaction that read before it wrote
        # would fail at once ("database is locked") beside another process's writer, where
        # one that takes the lock first waits for it (busy_timeout)
        # a reader (execution option READ_ONLY) begins a deferred transaction: in WAL mode
        # it never waits for the writer, and the writer never waits for it
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _json_text(value: Any) -> str:
    """JSON columns written by orjson: several times cheaper than ``json.dumps`` per row."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def open_database(url: str) -> Database:
    """Create the engine lazily: nothing connects until the first query."""
    url = normalise_url(url)
    json_codec = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=5, max_overflow=5, **json_codec)
        _tune_sqlite(engine)
        lock: asyncio.Lock | None = asyncio.Lock()
    else:
        engine = create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                                     **json_codec)
        lock = None
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, _write_lock=lock)
