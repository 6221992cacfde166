"""The outbox relay: publish what committed transactions recorded, with confirms, at least once."""

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from hub.delivery.lag import LagGauge
from hub.store.database import Database
from hub.store.outbox import OutgoingMessage
from hub.store.tables import OutboxRow

log = logging.getLogger("hub.relay")
Publish = Callable[[OutgoingMessage], Awaitable[None]]
# the further messages some of a round's messages need, by the id of the message they go with
Copies = Callable[[Sequence[OutgoingMessage]], Awaitable[dict[str, OutgoingMessage]]]

# messages published per confirm round: all in flight on one channel, confirms awaited together
_ROUND = 1000
# published rows removed per statement when pruning: short transactions beside the requests'
PRUNE_CHUNK = 1000
# chunks per pruning at most: a long backlog (a first start with retention) is removed over
# several sweeps, and the sweeps of unsent rows go on between them
PRUNE_CHUNKS = 50
# seconds between two prunings of published rows by one relay (the next sweep, when the last
# pruning stopped at PRUNE_CHUNKS)
PRUNE_SECONDS = 300.0
# seconds between two chunks: other processes' writers get SQLite's lock in between
PRUNE_PAUSE = 0.05


class OutboxRelay:
    """Publishes fresh messages straight after commit; a sweeper catches any a crash left behind.

    ``backlog`` bounds the messages committed and not yet recorded as sent: the units of work
    wait for room (:meth:`room`) before committing more, so the lag from commit to publish stays
    bounded under any load instead of growing with a queue.

    ``copies`` names, for a round, the messages that go out with some of it (the partners'
    copies of their events): a message counts as sent only once its copy is confirmed too.

    ``retention``: rows published longer ago than this are removed by the sweeper, every
    ``prune_seconds``; unpublished rows never are. None keeps every row.
    """

    def __init__(self, database: Database, publish: Publish, sweep_seconds: float,
                 stale_seconds: float, backlog: int = 2000, copies: Copies | None = None,
                 record: Callable[[list[str]], Awaitable[None]] | None = None,
                 on_round: Callable[[], Awaitable[None]] | None = None,
                 retention: timedelta | None = None,
                 prune_seconds: float = PRUNE_SECONDS) -> None:
        self._database = database
        self._publish = publish
        self._copies = copies
        self._sweep_seconds = sweep_seconds
        # a row unsent for this long was left behind; younger ones are still on their way
        self._stale = timedelta(seconds=stale_seconds)
        self._backlog = backlog
        self._fresh: list[OutgoingMessage] = []
        self._arrived = asyncio.Event()
        self._has_room = asyncio.Event()
        self._has_room.set()
        self._closing = asyncio.Event()
        self._sent: list[str] = []
        # handed over by a commit and not yet recorded as sent (with when it committed): the
        # sweeper leaves these alone
        self._in_hand: dict[str, float] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # records ids as sent: in the store by default; a relay process has its worker do it
        self._record = record or functools.partial(record_sent, database)
        # told after each round, once what it published is recorded as sent or left behind
        self._on_round = on_round
        self._retention = retention
        self._prune_seconds = prune_seconds
        self.lag = LagGauge()

    def after_commit(self, messages: list[OutgoingMessage], committed: float | None = None
                     ) -> None:
        """Hand over what a transaction just committed (called by the unit of work).

        ``committed`` is when, on the monotonic clock (which a relay process shares with its
        worker); now by default.
        """
        if committed is None:
            committed = time.monotonic()
        self._in_hand.update((m.message_id, committed) for m in messages)
        self._fresh.extend(messages)
        self._arrived.set()
        if len(self._in_hand) >= self._backlog:
            self._has_room.clear()

    @property
    def in_hand(self) -> int:
        """Messages handed over and not yet recorded as sent nor left to the sweeper."""
        return len(self._in_hand)

    @property
    def settled(self) -> bool:
        """Nothing handed over waits to be published or recorded as sent."""
        return not (self._fresh or self._in_hand or self._sent)

    async def room(self) -> None:
        """Wait until the backlog of committed, unsent messages is under its bound."""
        await self._has_room.wait()

    async def start(self) -> None:
        self._closing.clear()
        self._tasks = [asyncio.create_task(self._publish_loop(), name="outbox-publish"),
                       asyncio.create_task(self._sweep_loop(), name="outbox-sweep")]

    async def stop(self, timeout: float = 20.0) -> None:
        """Publish what was handed over, record it as sent, then stop.

        A broker that does not take the messages within ``timeout`` leaves them unsent in the
        outbox, where the next start's sweep finds them: shutdown never hangs, nothing is lost.
        What was published is recorded as sent before this returns, so a restart does not
        publish it again.
        """
        self._closing.set()
        self._arrived.set()
        done, pending = await asyncio.wait(self._tasks, timeout=timeout)
        if pending:
            log.warning("outbox not drained in %ss; the rest is published on next start", timeout)
        for task in pending:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self._mark_sent()
        except Exception:
            log.exception("recording sent messages at shutdown failed; they go out again")
        if self.lag.count:
            log.info("outbox relay lag (commit -> confirmed): %s", self.lag.summary())

    async def _publish_loop(self) -> None:
        while True:
            if not self._fresh:
                if self._closing.is_set():
                    return
                self._arrived.clear()
                await self._arrived.wait()
                continue
            messages, self._fresh = self._fresh[:_ROUND], self._fresh[_ROUND:]
            try:
                await self._publish_round(messages)
            except Exception:
                # left unsent in the table: the sweeper publishes them once the broker is back
                log.exception("publishing from the outbox failed; the sweeper will retry")
                for message in messages:
                    self._in_hand.pop(message.message_id, None)
                self._room_check()
            try:
                await self._mark_sent()
            except Exception:
                log.exception("recording sent messages failed; trying again with the next round")
            if self._on_round is not None:
                try:
                    await self._on_round()
                except Exception:
                    log.exception("reporting a round failed; its messages go out again later")

    async def _publish_all(self, messages: Sequence[OutgoingMessage]
                           ) -> list[BaseException | None]:
        """Publish the messages and their copies; each one's outcome, its copy's included."""
        try:
            copies = await self._copies(messages) if self._copies is not None else {}
        except Exception as exc:  # noqa: BLE001 - every message of the round waits for a retry
            return [exc for _ in messages]
        extra = list(copies.values())
        # pipelined on one confirmed channel: publishes go out in order, confirms come back later
        outcomes = await asyncio.gather(*(self._publish(m) for m in (*messages, *extra)),
                                        return_exceptions=True)
        failed_copies = {copy.message_id: outcome
                         for copy, outcome in zip(extra, outcomes[len(messages):], strict=True)
                         if isinstance(outcome, BaseException)}
        return [outcome if isinstance(outcome, BaseException)
                else failed_copies.get(message.message_id)
                for message, outcome in zip(messages, outcomes[:len(messages)], strict=True)]

    async def _publish_round(self, messages: list[OutgoingMessage]) -> None:
        outcomes = await self._publish_all(messages)
        confirmed = time.monotonic()
        failed = None
        for message, outcome in zip(messages, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                failed = outcome
                self._in_hand.pop(message.message_id, None)
                continue
            self._sent.append(message.message_id)
            if (committed := self._in_hand.get(message.message_id)) is not None:
                self.lag.record(confirmed - committed)
        if failed is not None:
            raise failed

    async def _mark_sent(self) -> None:
        if not self._sent:
            return
        # copied, not taken: a cancelled or failed update leaves the ids to be recorded later
        ids = list(self._sent)
        await self._record(ids)
        del self._sent[:len(ids)]
        for message_id in ids:
            self._in_hand.pop(message_id, None)
        self._room_check()

    def _room_check(self) -> None:
        if len(self._in_hand) < self._backlog:
            self._has_room.set()

    async def _sweep_loop(self) -> None:
        loop = asyncio.get_running_loop()
        # the first pruning comes one sweep after start, then every ``prune_seconds``
        prune_at = loop.time() + self._sweep_seconds
        while not self._closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._sweep_seconds)
                return
            try:
                while await self.sweep() > 0 and not self._closing.is_set():
                    pass
            except Exception:
                log.exception("outbox sweep failed; trying again in %ss", self._sweep_seconds)
            if self._retention is not None and loop.time() >= prune_at:
                prune_at = loop.time() + self._prune_seconds
                try:
                    if await self.prune() >= PRUNE_CHUNK * PRUNE_CHUNKS:
                        prune_at = loop.time()  # more to remove: on with it after the sweep
                except Exception:
                    log.exception("pruning published outbox rows failed; trying again in %ss",
                                  self._prune_seconds)

    async def prune(self) -> int:
        """Remove the rows published longer ago than the retention; how many went."""
        if self._retention is None:
            return 0
        before = datetime.now(UTC) - self._retention
        pruned = await prune_sent(self._database, before, chunks=PRUNE_CHUNKS)
        if pruned:
            log.info("outbox: removed %d message(s) published before %s",
                     pruned, before.isoformat(timespec="seconds"))
        return pruned

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
            outcomes = await self._publish_all([OutgoingMessage.from_row(row) for row in rows])
            now = datetime.now(UTC)
            for row, outcome in zip(rows, outcomes, strict=True):
                if outcome is None:
                    row.sent_at = now
            await session.commit()
        if failed := [o for o in outcomes if isinstance(o, BaseException)]:
            raise failed[0]
        if rows:
            log.info("outbox sweep published %d message(s) left behind", len(rows))
        return len(rows)


async def record_sent(database: Database, ids: Sequence[str]) -> None:
    """Mark outbox rows as sent: the broker confirmed them."""
    async with database.writer(), database.sessions() as session:
        await session.execute(
            update(OutboxRow).where(OutboxRow.message_id.in_(ids))
            .values(sent_at=datetime.now(UTC))
        )
        await session.commit()


async def prune_sent(database: Database, before: datetime, chunk: int = PRUNE_CHUNK,
                     chunks: int | None = None,
                     progress: Callable[[int], None] | None = None) -> int:
    """Delete outbox rows published before ``before``, ``chunk`` rows per transaction, at
    most ``chunks`` transactions (all there are by default); how many rows went.
    ``progress`` is told the running total after each transaction.

    Rows not yet published are never touched, whatever their age: nothing is lost. Other
    workers may prune at the same time; a row deleted twice is deleted once.
    """
    pruned = taken = 0
    while chunks is None or taken < chunks:
        if taken:
            await asyncio.sleep(PRUNE_PAUSE)
        async with database.writer(), database.sessions() as session:
            oldest = (select(OutboxRow.id).where(OutboxRow.sent_at < before).limit(chunk)
                      .scalar_subquery())
            removed = (await session.execute(
                delete(OutboxRow).where(OutboxRow.id.in_(oldest)))).rowcount
            await session.commit()
        pruned += removed
        taken += 1
        if progress is not None:
            progress(pruned)
        if removed < chunk:
            break
    return pruned
