"""``hub db prune-outbox``: the sweeper's pruning of published outbox rows, on demand, with
progress (a first pruning after months of rows is long work)."""

from datetime import UTC, datetime, timedelta

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from hub.delivery.relay import PRUNE_CHUNK, prune_sent
from hub.store.database import open_database
from hub.store.tables import OutboxRow


async def prune_with_progress(database_url: str, keep_days: float) -> tuple[int, int]:
    """Remove rows published more than ``keep_days`` ago; (removed, still unpublished)."""
    before = datetime.now(UTC) - timedelta(days=keep_days)
    database = open_database(database_url)
    try:
        async with database.sessions() as session:
            due = await session.scalar(select(func.count()).select_from(OutboxRow)
                                       .where(OutboxRow.sent_at < before)) or 0
        removed = 0
        with Progress(TextColumn("pruning the outbox"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), transient=True) as progress:
            task = progress.add_task("prune", total=due)
            while removed < due:
                step = await prune_sent(database, before, chunks=1)
                removed += step
                progress.update(task, completed=min(removed, due))
                if step < PRUNE_CHUNK:
                    break
        async with database.sessions() as session:
            unsent = await session.scalar(select(func.count()).select_from(OutboxRow)
                                          .where(OutboxRow.sent_at.is_(None))) or 0
        return removed, unsent
    finally:
        await database.dispose()
