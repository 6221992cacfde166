"""Emptying the shared test PostgreSQL database between tests."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store import partner_tables  # noqa: F401  (drop_all sees the partner tables)
from hub.store.tables import Base


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        for table in ("alembic_version", "assets", "partners", "partner_accounts",
                      "opportunity_links"):
            await connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    await engine.dispose()
