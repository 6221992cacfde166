"""Fulfilment status ASI: provisioning and billing report lines, the hub keeps the order and
assets true."""

from collections.abc import Sequence

from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.orders import Order
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.assets.sync import sync_assets
from hub.interfaces.backoffice.customer_mail import mail_customer
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.request import Request
from hub.orders.status import (
    FINAL,
    advance,
    line_status,
    order_status,
    past_point_of_no_return,
)
from hub.store.tables import OrderHeadRow, OrderLineRow
from hub.store.unit_of_work import UnitOfWork

NOT_IN_FULFILMENT = frozenset({"held", "cancelled", "rejected"})


async def report_fulfilment(update: FulfilmentUpdate, request: Request, uow: UnitOfWork,
                            systems: Sequence[str]) -> Reply:
    """Keep what the system reported, move lines forward, derive the order's status, and sync
    the assets once every line is final (a line completes when all ``systems`` completed it)."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        head = await _open_head(uow, update)
        lines = {line.line_id: line for line in
                 await uow.orders.lines(update.order_id, update.revision)}
        _check_lines(update, lines)
        for report in update.lines:
            line = lines[report.line_id]
            reported = dict(line.systems or {})
            reported[update.system] = advance(reported.get(update.system, "acknowledged"),
                                              report.status)
            line.systems = reported
            line.status = line_status(line.status, reported, systems)
            line.asset_id = line.asset_id or report.asset_id
            line.reason = report.reason or line.reason
        await _derive(uow, head, update, list(lines.values()))
        return "accepted", {"order_id": update.order_id, "revision": update.revision,
                            "status": head.status}

    return await exactly_once(uow, request, use_case)


async def _open_head(uow: UnitOfWork, update: FulfilmentUpdate) -> OrderHeadRow:
    head = await uow.orders.head(update.order_id, lock=True)
    if head is None:
        raise Rejected(error("fulfilment.order_unknown", f"no order {update.order_id}",
                             "order_id"))
    if update.revision == head.pending_revision:
        raise Rejected(error(
            "fulfilment.revision_held", f"order {update.order_id} revision {update.revision} "
            f"awaits approval; revision {head.current_revision} is in force, report on that",
            "revision"))
    if update.revision != head.current_revision:
        known = update.revision < head.current_revision
        raise Rejected(error(
            "fulfilment.revision_superseded" if known else "fulfilment.revision_unknown",
            f"order {update.order_id} is at revision {head.current_revision}; report on that "
            "revision", "revision"))
    if head.status in NOT_IN_FULFILMENT:
        raise Rejected(error("fulfilment.order_not_open", f"order {update.order_id} is "
                             f"{head.status}: it is not with provisioning", "order_id"))
    return head


def _check_lines(update: FulfilmentUpdate, lines: dict[str, OrderLineRow]) -> None:
    unknown = [
        error("fulfilment.line_unknown", f"order {update.order_id} revision {update.revision} "
              f"has no line {report.line_id}", f"lines[{n}].line_id")
        for n, report in enumerate(update.lines) if report.line_id not in lines
    ]
    if unknown:
        raise Rejected(*unknown)


async def _derive(uow: UnitOfWork, head: OrderHeadRow, update: FulfilmentUpdate,
                  lines: list[OrderLineRow]) -> None:
    """Order status, point of no return, events, and the assets once every line is final."""
    previous = head.status
    statuses = [line.status for line in lines]
    uow.orders.set_status(head, order_status(statuses))
    head.point_of_no_return = head.point_of_no_return or past_point_of_no_return(statuses)
    row = await uow.orders.revision(update.order_id, update.revision)
    assert row is not None
    row.status = head.status
    if head.status == previous:
        return
    uow.outbox.event("order.status_changed", {
        "order_id": head.order_id, "revision": head.current_revision, "status": head.status,
        "previous_status": previous, "system": update.system,
        "lines": {line.line_id: line.status for line in lines}})
    if head.status in FINAL | {"partial"}:
        order = Order.model_validate(row.document)
        await sync_assets(uow, order, lines)
        uow.outbox.event("order.completed", {"order_id": head.order_id,
                                             "revision": head.current_revision,
                                             "status": head.status})
        await _mail_outcome(uow, order, head.status, lines)


async def _mail_outcome(uow: UnitOfWork, order: Order, status: str,
                        lines: list[OrderLineRow]) -> None:
    """The customer hears the order is complete, or which lines failed and why."""
    failed = {line.line_id: line.reason for line in lines if line.status == "failed"}
    if status == "completed":
        await mail_customer(uow, order, "completed")
        return
    await mail_customer(uow, order, "failed", failed_lines=[
        {"product_name": item.product_name, "reason": failed[item.line_id]}
        for item in order.items if item.line_id in failed])
