"""Giving each test an empty database: of the run's test PostgreSQL database, or an SQLite file."""

import sqlite3
from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from hub.store import migrations


async def reset_postgres(url: str) -> None:
    """Drop every table, type and sequence, whatever migration made them."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head()


async def empty_postgres(url: str) -> None:
    """The hub's tables at the head revision, without a row.

    When the schema is already at the head (the test before left it so), every table is
    truncated, which takes a few milliseconds; otherwise it is dropped and migrated again.
    """
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            try:
                version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            except DBAPIError:
                version = None
        if version == head_revision():
            async with engine.begin() as connection:
                await truncate_postgres(connection)
            return
    finally:
        await engine.dispose()
    await reset_postgres(url)
    await migrations.upgrade(url)


async def truncate_postgres(connection: AsyncConnection | AsyncSession) -> None:
    """Every table but alembic's emptied, identities restarted, in the caller's transaction."""
    tables = (await connection.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'alembic_version'"))).all()
    if tables:
        names = ", ".join(f'public."{name}"' for name in tables)
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def copy_sqlite(template: Path, target: Path) -> None:
    """A consistent copy of the migrated template (SQLite's backup API, not a file copy)."""
    source, copy = sqlite3.connect(template), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()



