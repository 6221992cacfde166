"""Group commit: the requests that are ready share one transaction, each in its own savepoint.

A request's unit of work takes a turn in the current batch: it gets the batch's session, runs
its use case inside a SAVEPOINT (begun only once it first writes, `hub/store/deferred.py`), and
either releases it (``commit``) or rolls it back (a refusal, a crash, a lost race). When up to
``max_batch`` turns are done, or none more arrives within ``max_wait`` seconds of the first,
the batch inserts the rows its requests added (new orders), and every inbox and outbox row,
in one statement per table, and commits once. Only then does each request learn its outcome, so nothing is
answered or acknowledged before it is durable. A refused or crashed request never undoes its
neighbours (its savepoint alone is rolled back); a batch whose commit fails is retried request
by request, each in a transaction of its own.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.canonical.catalog import Product
from hub.mappers.customer_mail import MailTemplates
from hub.store.database import Database
from hub.store.deferred import Deferred, ReadAhead
from hub.store.outbox import Outbox, OutgoingMessage, write_outbox
from hub.store.repositories import Inbox
from hub.store.unit_of_work import AfterCommit, UnitOfWork

log = logging.getLogger("hub.group_commit")


@dataclass
class _Batch:
    session: AsyncSession
    inbox: Inbox
    committed: asyncio.Future[None]
    outbox: list[OutgoingMessage] = field(default_factory=list)
    # catalog products read by the batch's requests (see `Catalog`)
    products: dict[str, Product | None] = field(default_factory=dict)
    # order heads and e-mail records read for the batch's requests at once
    ahead: ReadAhead = field(default_factory=ReadAhead)


@dataclass
class _Turn:
    granted: asyncio.Future[_Batch]
    done: asyncio.Future[None]
    # (caller, message_id) of the request, when its unit of work said it
    request: tuple[str, str] | None = None
    # the order it reads, when its unit of work said it
    order_id: str | None = None

    def end(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


class GroupCommit:
    """One per worker: runs the units of work handed to it in batches, one commit per batch."""

    def __init__(self, database: Database, after_commit: AfterCommit, max_batch: int,
                 max_wait: float, room: Callable[[], Awaitable[None]] | None = None,
                 mail_templates: MailTemplates | None = None) -> None:
        self.database = database
        self.after_commit = after_commit
        self.mail_templates = mail_templates
        self._max_batch = max_batch
        self._max_wait = max_wait
        # waited for before a batch opens: the relay's bound on unpublished messages
        self._room = room
        self._waiting: deque[_Turn] = deque()
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.turns = 0

    def unit_of_work(self, correlation_id: str | None = None) -> "GroupedUnitOfWork":
        return GroupedUnitOfWork(self, correlation_id)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit")

    async def stop(self, timeout: float = 20.0) -> None:
        """Finish the turns already waiting, then stop (call once no request comes any more)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._waiting and loop.time() < deadline:
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.batches:
            log.info("group commit: %d requests in %d transactions", self.turns, self.batches)

    def take_turn(self, request: tuple[str, str] | None = None,
                  order_id: str | None = None) -> _Turn:
        loop = asyncio.get_running_loop()
        turn = _Turn(loop.create_future(), loop.create_future(), request, order_id)
        self._waiting.append(turn)
        self._arrived.set()
        return turn

    async def _run(self) -> None:
        while True:
            while not self._waiting:
                self._arrived.clear()
                await self._arrived.wait()
            if self._room is not None:
                await self._room()
            await self._run_batch()

    async def _run_batch(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._max_wait
        async with self.database.writer():
            session = self.database.sessions()
            batch = _Batch(session, Inbox(session), loop.create_future())
            # a turn that ended in an error does not wait for the outcome: never "unretrieved"
            batch.committed.add_done_callback(lambda f: f.cancelled() or f.exception())
            taken = 0
            try:
                while taken < self._max_batch and (turn := await self._next(deadline)):
                    if turn.granted.done():
                        continue  # its request was cancelled while it waited
                    try:
                        await self._look_up_inbox(batch, turn)
                        await self._look_up_orders(batch, turn)
                    except BaseException as exc:
                        # the request learns why (it is requeued); the batch fails with it
                        if isinstance(exc, Exception):
                            turn.granted.set_exception(exc)
                        else:
                            turn.granted.cancel()
                        raise
                    turn.granted.set_result(batch)
                    await turn.done
                    taken += 1
                await Deferred.on(session).insert(session)
                await batch.inbox.flush()
                await write_outbox(session, batch.outbox)
                await session.commit()
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    await session.rollback()
                if isinstance(exc, Exception):
                    batch.committed.set_exception(exc)
                else:
                    batch.committed.cancel()
                    raise
            else:
                batch.committed.set_result(None)
                self.batches += 1
                self.turns += taken
                if batch.outbox:
                    self.after_commit(batch.outbox)
            finally:
                await session.close()

    async def _look_up_inbox(self, batch: _Batch, turn: _Turn) -> None:
        """Read the inbox entries of this turn and of every turn waiting behind it at once."""
        if turn.request is None or batch.inbox.looked_up(*turn.request):
            return
        waiting = [t.request for t in self._waiting if t.request is not None]
        await batch.inbox.look_up([turn.request, *waiting[: self._max_batch]])

    async def _look_up_orders(self, batch: _Batch, turn: _Turn) -> None:
        """Read the order heads and e-mails of this turn and every turn waiting, at once."""
        if turn.order_id is None or turn.order_id in batch.ahead.heads:
            return
        waiting = [t.order_id for t in self._waiting if t.order_id is not None]
        await batch.ahead.look_up(batch.session, [turn.order_id, *waiting[: self._max_batch]])

    async def _next(self, deadline: float) -> _Turn | None:
        """The next waiting turn, or None when none arrives before ``deadline``."""
        loop = asyncio.get_running_loop()
        while not self._waiting:
            if (remaining := deadline - loop.time()) <= 0:
                return None
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
        return self._waiting.popleft()


class GroupedUnitOfWork(UnitOfWork):
    """A request's unit of work inside a group commit: its own savepoint, the batch's commit.

    Used exactly like :class:`UnitOfWork`. After the batch failed to commit, the request's next
    attempt runs alone in a transaction of its own, so one bad neighbour cannot fail it twice.
    """

    def __init__(self, group: GroupCommit, correlation_id: str | None = None) -> None:
        super().__init__(group.database, group.after_commit, correlation_id,
                         mail_templates=group.mail_templates)
        self._group = group
        self._alone = False
        # how the current `async with` entered: a batch failing under a request makes its next
        # attempt go alone, but this one still ends as the turn it began as
        self._entered_alone = False
        self._turn: _Turn | None = None
        self._request: tuple[str, str] | None = None
        self._order_id: str | None = None

    def expect_request(self, caller: str, message_id: str) -> None:
        self._request = (caller, message_id)

    def expect_order(self, order_id: str) -> None:
        self._order_id = order_id

    async def __aenter__(self) -> Self:
        self._entered_alone = self._alone
        if self._alone:
            return await super().__aenter__()
        turn = self._group.take_turn(self._request, self._order_id)
        try:
            batch = await turn.granted
        except asyncio.CancelledError:
            if turn.granted.done() and not turn.granted.cancelled():
                turn.end()
            raise
        self._turn, self._batch = turn, batch
        try:
            self._bind(batch.session, batch.inbox, batch.products, batch.ahead)
            self._remembered = batch.inbox.remembered()
            # no SAVEPOINT yet: the request gets one before it first writes (`Deferred`)
            self.deferred.begin_turn()
        except BaseException:
            self._end_turn()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._entered_alone:
            await super().__aexit__(exc_type, exc, tb)
            return
        if self._turn is None:
            return  # committed: the turn is over
        # nothing is kept without commit; what was read stands only once the batch commits
        try:
            await self._undo()
        finally:
            self._end_turn()
        if exc_type is None:
            await self._outcome()

    async def rollback(self) -> None:
        """Forget everything this request did so far, outbox included; its turn goes on."""
        if self._entered_alone:
            await super().rollback()
            return
        await self._undo()
        self.deferred.begin_turn()

    async def commit(self) -> None:
        """Keep this request's work in the batch, then wait until the batch has committed."""
        if self._entered_alone:
            await super().commit()
            return
        try:
            session = self.session
            if session.new or session.dirty or session.deleted:
                await session.flush()  # opens the request's savepoint first
            if self.deferred.savepoint_open and (
                    savepoint := session.get_nested_transaction()) is not None:
                await savepoint.commit()
        except BaseException:
            try:
                await self._undo()
            finally:
                self._end_turn()
            raise
        self.deferred.keep_turn()
        self._batch.outbox.extend(self.outbox.messages)
        self._end_turn()
        await self._outcome()

    async def _undo(self) -> None:
        if self.deferred.savepoint_open:
            savepoint = self.session.get_nested_transaction()
            if savepoint is not None and savepoint.is_active:
                await savepoint.rollback()
        else:
            _forget_unwritten(self.session)
        if self.deferred.in_turn:
            self.deferred.drop_turn()
        self._batch.inbox.forget(self._batch.inbox.remembered() - self._remembered)
        self.catalog.forget()
        self.outbox = Outbox(self.session, self.correlation_id)

    def _end_turn(self) -> None:
        if self._turn is not None:
            self._turn.end()
            self._turn = None

    async def _outcome(self) -> None:
        try:
            await asyncio.shield(self._batch.committed)
        except IntegrityError:
            # a neighbour (or this request) collided with another worker's commit: alone now
            self._alone = True
            raise


def _forget_unwritten(session: AsyncSession) -> None:
    """Undo, in memory, what a request without a savepoint changed and never wrote.

    Rows it added or deleted leave the session (a deleted row stays in the database); rows it
    changed are expired, so the next reader loads them as they are.
    """
    for row in [*session.new, *session.deleted]:
        session.expunge(row)
    for row in list(session.dirty):
        session.expire(row)
