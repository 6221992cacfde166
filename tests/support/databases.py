"""Emptying the run's test PostgreSQL database between tests."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def reset_postgres(url: str) -> None:
    """Drop every table, type and sequence, whatever migration made them."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
