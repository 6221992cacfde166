"""Watching a `hub run` worker's relay process from a test: its pid, its end, the outbox."""

import asyncio
import re
from pathlib import Path

import psutil
from sqlalchemy import func, select

from hub.settings import Settings
from hub.store.database import open_database
from hub.store.tables import OutboxRow

STARTED = re.compile(r"outbox relay runs in process (\d+)")


async def relay_process_of(log: Path, count: int = 1) -> int:
    """The pid of the ``count``-th relay process the worker logging to ``log`` started."""
    while len(pids := [int(pid) for pid in STARTED.findall(log.read_text())]) < count:
        await asyncio.sleep(0.05)
    return pids[count - 1]


async def gone(pid: int, timeout: float) -> bool:
    """Whether the process ``pid`` ends (or has ended) within ``timeout`` seconds."""
    try:
        await asyncio.to_thread(psutil.Process(pid).wait, timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


async def unsent(settings: Settings) -> int:
    """Outbox rows not recorded as sent."""
    database = open_database(settings.database_url)
    try:
        async with database.sessions() as session:
            return await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None)))
    finally:
        await database.dispose()
