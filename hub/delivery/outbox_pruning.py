"""``hub db prune-outbox``: the sweeper's pruning of published outbox rows, on demand, with
progress (a first pruning after months of rows is long work)."""

from datetime import UTC, datetime, timedelta

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from hub.delivery.relay import prune_sent
from hub.operations.records import outbox_backlog
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
        with Progress(TextColumn("pruning the outbox"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), transient=True) as progress:
            task = progress.add_task("prune", total=due)
            removed = await prune_sent(database, before, progress=lambda done: progress.update(
                task, completed=min(done, due)))
        unsent, _ = await outbox_backlog(database)
        return removed, unsent
    finally:
        await database.dispose()
