"""Loading and saving through the session: the only place that writes SQL for the ASIs."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hub.canonical.orders import Order
from hub.store.deferred import Deferred, ReadAhead, is_unknown
from hub.store.tables import InboxRow, OrderHeadRow, OrderLineRow, OrderRow, OrderStatusRow

_KEY_LIMIT = 200  # inbox.message_id


@dataclass(frozen=True)
class Answered:
    """What the inbox holds for one caller's ``message_id``: the operation and its reply."""

    operation: str
    reply: dict[str, Any]


class Inbox:
    """Requests already answered, by caller and ``message_id``; new replies wait for the commit."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # shared by every request of a group commit: a resend in the same batch finds it here
        self._pending: dict[tuple[str, str], dict[str, Any]] = {}
        # what `look_up` found for keys asked ahead, None where nothing was stored
        self._looked_up: dict[tuple[str, str], Answered | None] = {}

    async def find(self, caller: str, message_id: str) -> Answered | None:
        key = (caller, inbox_key(message_id))
        if (pending := self._pending.get(key)) is not None:
            return Answered(pending["operation"], pending["reply"])
        if key in self._looked_up:
            return self._looked_up[key]
        row = await self._session.get(InboxRow, key)
        return None if row is None else Answered(row.operation, row.reply)

    def looked_up(self, caller: str, message_id: str) -> bool:
        return (caller, inbox_key(message_id)) in self._looked_up

    async def look_up(self, requests: Iterable[tuple[str, str]]) -> None:
        """Read the stored replies of many (caller, ``message_id``) pairs in one query.

        A group commit asks for every request waiting for its batch at once, instead of one
        query per request; `find` then answers from what was read. The primary key stays the
        guard: a reply another worker commits meanwhile makes this batch's insert fail.
        """
        keys = {(caller, inbox_key(message_id)) for caller, message_id in requests}
        keys -= self._looked_up.keys()
        if not keys:
            return
        query = select(InboxRow).where(tuple_(InboxRow.caller, InboxRow.message_id).in_(keys))
        found = {(row.caller, row.message_id): Answered(row.operation, row.reply)
                 for row in (await self._session.execute(query)).scalars()}
        self._looked_up.update({key: found.get(key) for key in keys})

    def remember(self, caller: str, message_id: str, operation: str,
                 reply: dict[str, Any]) -> None:
        key = (caller, inbox_key(message_id))
        self._pending[key] = {"caller": caller, "message_id": key[1], "operation": operation,
                              "reply": reply, "created_at": datetime.now(UTC)}

    def forget(self, keys: set[tuple[str, str]]) -> None:
        """Drop replies remembered by a request whose savepoint was rolled back."""
        for key in keys:
            self._pending.pop(key, None)

    def remembered(self) -> set[tuple[str, str]]:
        return set(self._pending)

    async def flush(self) -> None:
        """Insert every remembered reply (one statement)."""
        if self._pending:
            rows, self._pending = list(self._pending.values()), {}
            await self._session.execute(insert(InboxRow.__table__), rows)


def inbox_key(message_id: str) -> str:
    """The ``message_id`` as stored: a digest when it is longer than the column."""
    if len(message_id) <= _KEY_LIMIT:
        return message_id
    return f"#{hashlib.sha256(message_id.encode()).hexdigest()}"


class Orders:
    """Order heads, revisions and their lines; new rows wait to be inserted (`Deferred`)."""

    def __init__(self, session: AsyncSession, deferred: Deferred | None = None,
                 ahead: ReadAhead | None = None) -> None:
        self._session = session
        self._deferred = deferred or Deferred.on(session)
        self._ahead = ahead

    async def head(self, order_id: str, *, lock: bool = False) -> OrderHeadRow | None:
        if self._ahead is not None and not is_unknown(
                found := self._ahead.head(order_id, self._deferred)):
            return found
        query = select(OrderHeadRow).where(OrderHeadRow.order_id == order_id)
        if lock:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def accounts_of(self, order_ids: Iterable[str]) -> dict[str, str]:
        """The account of each order that exists, in one statement."""
        wanted = list(dict.fromkeys(order_ids))
        if not wanted:
            return {}
        query = select(OrderHeadRow.order_id, OrderHeadRow.account_id).where(
            OrderHeadRow.order_id.in_(wanted))
        return {order_id: account for order_id, account in (await self._session.execute(query))}

    async def revision(self, order_id: str, revision: int) -> OrderRow | None:
        return await self._session.get(OrderRow, (order_id, revision))

    async def lines(self, order_id: str, revision: int) -> list[OrderLineRow]:
        query = (
            select(OrderLineRow)
            .where(OrderLineRow.order_id == order_id, OrderLineRow.revision == revision)
            .order_by(OrderLineRow.position)
        )
        return list((await self._session.execute(query)).scalars())

    async def open_heads(self, account_id: str) -> list[OrderHeadRow]:
        """Orders of the account still to be fulfilled, in submission order."""
        query = (
            select(OrderHeadRow)
            .where(
                OrderHeadRow.account_id == account_id,
                OrderHeadRow.status.in_(("acknowledged", "held", "in_progress")),
            )
            .order_by(OrderHeadRow.submitted_at, OrderHeadRow.order_id)
        )
        return list((await self._session.execute(query)).scalars())

    async def add_revision(self, order: Order, status: str, line_status: str) -> None:
        """Store one whole revision with every line in ``line_status`` (inserted at commit)."""
        self._deferred.add(OrderRow, {
            "order_id": order.order_id, "revision": order.revision, "kind": order.kind,
            "account_id": order.account_id, "partner_id": order.partner_id,
            "currency": order.currency, "status": status, "total": order.total(),
            "submitted_at": order.submitted_at, "document": order.model_dump(mode="json"),
            "created_at": datetime.now(UTC)})
        for n, item in enumerate(order.items):
            self._deferred.add(OrderLineRow, {
                "order_id": order.order_id, "revision": order.revision,
                "line_id": item.line_id, "position": n, "status": line_status,
                "asset_id": item.asset_id, "reason": None, "systems": {}})

    async def supersede(self, order_id: str, revision: int) -> None:
        """Mark a revision and its lines superseded by a newer one."""
        row = await self.revision(order_id, revision)
        assert row is not None
        row.status = "superseded"
        for line in await self.lines(order_id, revision):
            line.status = "superseded"

    def add_head(self, order: Order, status: str) -> None:
        """The head of a new order (inserted at commit; `head` finds it before)."""
        now = datetime.now(UTC)
        self._deferred.add(OrderHeadRow, {
            "order_id": order.order_id, "account_id": order.account_id,
            "current_revision": order.revision, "status": status, "point_of_no_return": False,
            "pending_revision": None, "submitted_at": order.submitted_at, "updated_at": now})
        self._remember_status(order.order_id, order.revision, status)

    def set_status(self, head: OrderHeadRow, status: str) -> None:
        """The order's new status, kept in its history when it changed."""
        if head.status == status:
            return
        head.status = status
        head.updated_at = datetime.now(UTC)
        self._remember_status(head.order_id, head.current_revision, status)

    async def history(self, order_id: str) -> list[OrderStatusRow]:
        query = (select(OrderStatusRow).where(OrderStatusRow.order_id == order_id)
                 .order_by(OrderStatusRow.at, OrderStatusRow.id))
        return list((await self._session.execute(query)).scalars())

    def _remember_status(self, order_id: str, revision: int, status: str) -> None:
        self._deferred.add(OrderStatusRow, {"order_id": order_id, "revision": revision,
                                            "status": status, "at": datetime.now(UTC)})
