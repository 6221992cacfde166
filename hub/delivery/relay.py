"""The outbox relay: publish what committed transactions recorded, with confirms, at least once."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from hub.store.database import Database
from hub.store.outbox import OutgoingMessage
from hub.store.tables import OutboxRow

log = logging.getLogger("hub.relay")
Publish = Callable[[OutgoingMessage], Awaitable[None]]


class OutboxRelay:
    """Publishes fresh messages straight after commit; a sweeper catches any a crash left behind."""

    def __init__(self, database: Database, publish: Publish, sweep_seconds: float,
                 stale_seconds: float) -> None:
        self._database = database
        self._publish = publish
        self._sweep_seconds = sweep_seconds
        # a row unsent for this long was left behind; younger ones are still on their way
        self._stale = timedelta(seconds=stale_seconds)
        self._queue: asyncio.Queue[list[OutgoingMessage]] = asyncio.Queue()
        self._sent: list[str] = []
        # handed over by a commit and not yet recorded as sent: the sweeper leaves these alone
        self._in_hand: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []

    def after_commit(self, messages: list[OutgoingMessage]) -> None:
        """Hand over what a transaction just committed (called by the unit of work)."""
        self._in_hand.update(m.message_id for m in messages)
        self._queue.put_nowait(messages)

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._publish_loop(), name="outbox-publish"),
                       asyncio.create_task(self._sweep_loop(), name="outbox-sweep")]

    async def stop(self, timeout: float = 20.0) -> None:
        """Publish what is queued, record it as sent, then stop.

        A broker that does not take the messages within ``timeout`` leaves them unsent in the
        outbox, where the next start's sweep finds them: shutdown never hangs, nothing is lost.
        """
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            log.warning("outbox not drained in %ss; the rest is published on next start", timeout)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._mark_sent()

    async def _publish_loop(self) -> None:
        while True:
            batches = [await self._queue.get()]
            while not self._queue.empty() and len(batches) < 256:
                batches.append(self._queue.get_nowait())
            try:
                await self._publish_batches(batches)
            except Exception:
                # left unsent in the table: the sweeper publishes them once the broker is back
                log.exception("publishing from the outbox failed; the sweeper will retry")
                self._in_hand.difference_update(m.message_id for b in batches for m in b)
            finally:
                for _ in batches:
                    self._queue.task_done()
            try:
                await self._mark_sent()
            except Exception:
                log.exception("recording sent messages failed; trying again with the next batch")

    async def _publish_batches(self, batches: list[list[OutgoingMessage]]) -> None:
        # pipelined on one confirmed channel: publishes go out in order, confirms come back later
        messages = [m for batch in batches for m in batch]
        await asyncio.gather(*(self._publish(m) for m in messages))
        self._sent.extend(m.message_id for m in messages)

    async def _mark_sent(self) -> None:
        if not self._sent:
            return
        ids, self._sent = self._sent, []
        try:
            async with self._database.writer(), self._database.sessions() as session:
                await session.execute(
                    update(OutboxRow).where(OutboxRow.message_id.in_(ids))
                    .values(sent_at=datetime.now(UTC))
                )
                await session.commit()
        except Exception:
            self._sent = ids + self._sent
            raise
        self._in_hand.difference_update(ids)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_seconds)
            try:
                while await self.sweep() > 0:
                    pass
            except Exception:
                log.exception("outbox sweep failed; trying again in %ss", self._sweep_seconds)

    async def sweep(self) -> int:
        """Publish rows left unsent for a while (after a crash or a broker outage)."""
        cutoff = datetime.now(UTC) - self._stale
        async with self._database.writer(), self._database.sessions() as session:
            found = (await session.execute(
                select(OutboxRow)
                .where(OutboxRow.sent_at.is_(None), OutboxRow.created_at < cutoff)
                .order_by(OutboxRow.id).limit(200)
                .with_for_update(skip_locked=True)
            )).scalars().all()
            rows = [row for row in found if row.message_id not in self._in_hand]
            for row in rows:
                await self._publish(OutgoingMessage.from_row(row))
                row.sent_at = datetime.now(UTC)
            await session.commit()
        if rows:
            log.info("outbox sweep published %d message(s) left behind", len(rows))
        return len(rows)
