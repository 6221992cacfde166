"""Alembic environment: runs migrations over the hub's async engine."""

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store import (  # noqa: F401  (each registers its tables)
    backoffice_tables,
    catalog_tables,
    partner_tables,
)
from hub.store.database import normalise_url
from hub.store.tables import Base

target_metadata = Base.metadata


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    url = normalise_url(context.config.get_main_option("sqlalchemy.url"))
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_migrate)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `hub db upgrade`")
asyncio.run(_run())
