"""Is this worker alive, and can it work: do the broker and the database answer?"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import text

from hub.store.database import Database

Ping = Callable[[], Awaitable[bool]]
CHECK_SECONDS = 3.0


@dataclass(frozen=True)
class Readiness:
    """The dependencies a worker needs, each asked in turn with a short timeout."""

    broker: Ping
    database: Database

    async def check(self) -> dict[str, str]:
        """``{"broker": "ok" | "unavailable: ...", "database": ...}``."""
        return {"broker": await _answer(self.broker),
                "database": await _answer(lambda: _select_one(self.database))}


async def _answer(ping: Ping) -> str:
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            return "ok" if await ping() else "unavailable: no answer"
    except TimeoutError:
        return f"unavailable: no answer within {CHECK_SECONDS}s"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready, and says why
        return f"unavailable: {type(exc).__name__}"


async def _select_one(database: Database) -> bool:
    async with database.sessions() as session:
        return (await session.execute(text("SELECT 1"))).scalar() == 1
