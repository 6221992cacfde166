"""Rows a transaction only adds, inserted in one statement per table when it commits.

A new order writes its head, its status history, its revision, its lines and its customer
e-mail record: five statements, which under group commit were five of the nine a request
cost. Instead the repositories hand those rows to a :class:`Deferred`, and they are inserted
with the inbox and the outbox, one statement per table for the whole batch.

Nothing reads past them: before a statement that names one of their tables runs (any text SQL
counts as naming them all), the waiting rows of those tables are inserted first (a
``do_orm_execute`` hook), so every query sees what the transaction added, as it did when each
row was inserted at once. Under group commit a request gets its SAVEPOINT only as it first
writes (a flush, a writing statement, its own rows inserted early); its rows join the batch's
when it commits; a request rolled back drops its own rows, and puts back those of its
neighbours that a read made it insert inside its savepoint.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.util import find_tables

from hub.store.backoffice_tables import CustomerMailRow
from hub.store.tables import Base, OrderHeadRow, OrderLineRow, OrderRow, OrderStatusRow

# the order rows are inserted in: a revision before its lines (the lines' foreign key)
TABLES: tuple[type[Base], ...] = (
    OrderHeadRow, OrderStatusRow, OrderRow, OrderLineRow, CustomerMailRow,
)
_NAMES = {table.__tablename__: table for table in TABLES}
# what must be in the database before a table's rows can be: the lines' revisions
_NEEDS = {OrderLineRow: (OrderRow,)}
_KEY = "hub.deferred"
# an execution option: the statement knows the waiting rows and answers for them itself
READS_PAST_WAITING_ROWS = "hub_reads_past_waiting_rows"

Rows = dict[type[Base], list[dict[str, Any]]]


def _rows() -> Rows:
    return {table: [] for table in TABLES}


@dataclass
class Deferred:
    """The rows waiting on one session: the batch's, and the current request's on top."""

    # rows of requests whose work is kept (a plain unit of work keeps its own here)
    kept: Rows = field(default_factory=_rows)
    # rows of the request running now, under group commit; kept or dropped with its savepoint
    turn: Rows = field(default_factory=_rows)
    # kept rows a read inserted inside the current request's savepoint
    inserted_in_turn: Rows = field(default_factory=_rows)
    # keys of heads and e-mails inserted before the commit: a read-ahead must ask the database
    inserted_heads: set[str] = field(default_factory=set)
    inserted_mails: set[tuple[str, str]] = field(default_factory=set)
    in_turn: bool = False
    # whether the current request has its savepoint yet: it gets one only once it writes
    savepoint_open: bool = False
    _inserting: bool = False

    @classmethod
    def on(cls, session: AsyncSession) -> "Deferred":
        """The session's waiting rows (a new, empty set the first time)."""
        deferred = session.sync_session.info.get(_KEY)
        if deferred is None:
            deferred = session.sync_session.info[_KEY] = cls()
        return deferred

    def add(self, table: type[Base], row: dict[str, Any]) -> None:
        (self.turn if self.in_turn else self.kept)[table].append(row)

    def head_waits(self, order_id: str) -> bool:
        """Whether a head of this order is waiting or was inserted early in this batch."""
        return order_id in self.inserted_heads or any(
            row["order_id"] == order_id
            for rows in (self.kept, self.turn) for row in rows[OrderHeadRow])

    def mail_waits(self, order_id: str, topic: str) -> bool | None:
        """True when the e-mail's record is waiting; None when only the database can tell."""
        if (order_id, topic) in self.inserted_mails:
            return None
        return any(row["order_id"] == order_id and row["topic"] == topic
                   for rows in (self.kept, self.turn) for row in rows[CustomerMailRow])

    # group commit: a request's rows live and die with its savepoint

    def begin_turn(self) -> None:
        self.in_turn = True

    def open_savepoint(self, session: Session, *, in_flush: bool = False) -> None:
        """Give the current request its savepoint, before the first thing it writes.

        A request that only reads and adds waiting rows (a new order) never needs one: its
        rows are the batch's or dropped with nothing written. Called as a flush begins (the
        flush then writes inside the savepoint) and before any other writing statement.
        """
        if not self.in_turn or self.savepoint_open:
            return
        if not in_flush and (session.new or session.dirty or session.deleted):
            # beginning a savepoint flushes first: flush now, so it begins it (in_flush)
            session.flush()
            return
        self.savepoint_open = True
        session.begin_nested()

    def keep_turn(self) -> None:
        """The request's savepoint was released: its rows are the batch's now."""
        for table in TABLES:
            self.kept[table].extend(self.turn[table])
        self._end_turn()

    def drop_turn(self) -> None:
        """The request's savepoint was rolled back: its rows are gone, its neighbours' wait again."""
        for table in TABLES:
            self.kept[table][:0] = self.inserted_in_turn[table]
        self._end_turn()

    def _end_turn(self) -> None:
        self.turn, self.inserted_in_turn, self.in_turn = _rows(), _rows(), False
        self.savepoint_open = False

    def forget(self) -> None:
        """A plain unit of work rolled back: nothing it added is kept."""
        self.kept, self.turn, self.inserted_in_turn = _rows(), _rows(), _rows()

    def __bool__(self) -> bool:
        return any(self.kept[table] or self.turn[table] for table in TABLES)

    async def insert(self, session: AsyncSession) -> None:
        """Insert every waiting row (at commit): one statement per table that has rows."""
        await session.run_sync(self.insert_now)

    def insert_now(self, session: Session, tables: Iterable[type[Base]] = TABLES) -> None:
        """Insert the waiting rows of ``tables`` (and of the tables they need) now."""
        wanted = set(tables)
        wanted.update(*(_NEEDS.get(table, ()) for table in tables))
        early = self.in_turn
        waiting = [(table, self.kept[table], self.turn[table]) for table in TABLES
                   if table in wanted]
        if not any(kept or turn for _, kept, turn in waiting):
            return
        if early and any(turn for _, _, turn in waiting):
            self.open_savepoint(session)  # the request's own rows must go with its savepoint
        # neighbours' rows inserted inside the request's savepoint go back should it fail;
        # outside it they are the batch's for good
        early = early and self.savepoint_open
        for table, _, _ in waiting:
            self.kept[table], self.turn[table] = [], []
        self._inserting = True
        try:
            for table, kept, turn in waiting:
                if rows := [*kept, *turn]:
                    # Core, not the ORM's bulk path: plain dicts need no mapper work
                    session.execute(insert(table.__table__), rows)
                if early:
                    self.inserted_in_turn[table].extend(kept)
                self._note_inserted(table, rows)
        finally:
            self._inserting = False

    def _note_inserted(self, table: type[Base], rows: Iterable[dict[str, Any]]) -> None:
        if table is OrderHeadRow:
            self.inserted_heads.update(row["order_id"] for row in rows)
        elif table is CustomerMailRow:
            self.inserted_mails.update((row["order_id"], row["topic"]) for row in rows)


@event.listens_for(Session, "before_commit")
def _insert_before_committing(session: Session) -> None:
    """Whoever commits the session, nothing waiting is left behind (a savepoint's release aside)."""
    deferred = session.info.get(_KEY)
    if deferred is not None and deferred and not session.in_nested_transaction():
        deferred.insert_now(session)


@event.listens_for(Session, "before_flush")
def _savepoint_before_flushing(session: Session, *_: Any) -> None:
    """The request's changes to loaded rows are written inside its savepoint."""
    deferred = session.info.get(_KEY)
    if deferred is not None:
        deferred.open_savepoint(session, in_flush=True)


@event.listens_for(Session, "do_orm_execute")
def _insert_before_reading(state: ORMExecuteState) -> None:
    """Whatever a statement reads, the rows the transaction added to its tables are there first.

    A statement that names none of those tables inserts nothing; one whose tables cannot be
    told (text) inserts every waiting row.
    """
    deferred = state.session.info.get(_KEY)
    if deferred is None or deferred._inserting:
        return
    if not state.is_select:
        deferred.open_savepoint(state.session)  # a write (or text SQL) of the request
    if not deferred or state.execution_options.get(READS_PAST_WAITING_ROWS):
        return
    named = {getattr(table, "name", None) for table in find_tables(
        state.statement, check_columns=True, include_crud=True)}
    if not named - {None}:
        deferred.insert_now(state.session)
    elif touched := [_NAMES[name] for name in named if name in _NAMES]:
        deferred.insert_now(state.session, touched)


_UNKNOWN: Any = object()


@dataclass
class ReadAhead:
    """Order heads and e-mail records a group commit read at once for the requests of a batch.

    Each request would have read its order's head and asked whether its e-mail was sent, two
    queries; the batch asks for all of them in two. Whatever was added or inserted since is
    answered from the waiting rows, or by the database.
    """

    heads: dict[str, OrderHeadRow | None] = field(default_factory=dict)
    mails: dict[str, set[str]] = field(default_factory=dict)

    async def look_up(self, session: AsyncSession, order_ids: Iterable[str]) -> None:
        """Read the heads (locked, as a request locks its own) and e-mails of these orders."""
        ids = set(order_ids) - self.heads.keys()
        if not ids:
            return
        # what waits to be inserted is not needed here: `head` and `mailed` look at it first
        past = {READS_PAST_WAITING_ROWS: True}
        query = select(OrderHeadRow).where(OrderHeadRow.order_id.in_(ids)).with_for_update()
        found = {row.order_id: row for row in
                 (await session.execute(query, execution_options=past)).scalars()}
        mails = select(CustomerMailRow.order_id, CustomerMailRow.topic).where(
            CustomerMailRow.order_id.in_(ids))
        topics: dict[str, set[str]] = {order_id: set() for order_id in ids}
        for order_id, topic in await session.execute(mails, execution_options=past):
            topics[order_id].add(topic)
        self.heads.update({order_id: found.get(order_id) for order_id in ids})
        self.mails.update(topics)

    def head(self, order_id: str, deferred: Deferred) -> OrderHeadRow | None:
        """The head read ahead, None when there is none, or `_UNKNOWN`: ask the database."""
        if order_id not in self.heads or deferred.head_waits(order_id):
            return _UNKNOWN
        row = self.heads[order_id]
        if row is not None:
            state = inspect(row)
            # changed by a request that was rolled back since: the database has it right
            if state.expired_attributes or state.detached:
                return _UNKNOWN
        return row

    def mailed(self, order_id: str, topic: str, deferred: Deferred) -> bool | None:
        """Whether that e-mail was sent, or None: ask the database."""
        waits = deferred.mail_waits(order_id, topic)
        if waits or waits is None or order_id not in self.mails:
            return True if waits else None
        return topic in self.mails[order_id]


def is_unknown(value: object) -> bool:
    return value is _UNKNOWN
