"""After the order: shipments from the warehouse, activities from field service."""

from collections import Counter
from datetime import UTC, datetime

from hub.canonical.after_order import (
    ActivityResult,
    ActivityUpdate,
    ShipmentNotice,
    ShipmentResult,
)
from hub.canonical.order_details import Activity
from hub.canonical.orders import Order, Shipment
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.backoffice.customer_mail import mail_customer
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.request import Request
from hub.store.backoffice_tables import ActivityStatusRow, ShipmentRow
from hub.store.unit_of_work import UnitOfWork

NOT_RELEASED = frozenset({"held", "rejected", "cancelled"})
CLOSED_ACTIVITY = frozenset({"done", "cancelled"})


async def notify_shipment(notice: ShipmentNotice, request: Request, uow: UnitOfWork) -> Reply:
    """Mark the shipped lines, announce ``order.shipped`` and tell the customer how to track it."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        order = await _order_in_force(uow, notice.order_id, "shipment")
        if (known := await uow.after_order.shipment(notice.shipment_id)) is not None:
            return "accepted", _shipped(known, notice.order_id)
        _check_shipped_lines(notice, order)
        row = ShipmentRow(
            shipment_id=notice.shipment_id, order_id=order.order_id, revision=order.revision,
            carrier=notice.carrier, tracking_id=notice.tracking_id,
            shipped_at=notice.shipped_at, lines=list(notice.lines),
            created_at=datetime.now(UTC))
        uow.after_order.add_shipment(row)
        shipment = Shipment.model_validate(row, from_attributes=True)
        uow.outbox.event("order.shipped", {"order_id": order.order_id,
                                           "revision": order.revision,
                                           "account_id": order.account_id,
                                           **shipment.model_dump(mode="json")})
        shipped = set(notice.lines)
        await mail_customer(uow, order, "shipped", about=notice.shipment_id,
                            shipment=shipment.model_dump(mode="json"),
                            shipped_items=[i.model_dump(mode="json") for i in order.items
                                           if i.line_id in shipped])
        return "accepted", _shipped(row, notice.order_id)

    return await exactly_once(uow, request, use_case)


async def update_activity(update: ActivityUpdate, request: Request, uow: UnitOfWork) -> Reply:
    """Move a declared activity on; an installation newly scheduled is mailed to the customer."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        order = await _order_in_force(uow, update.order_id, "activity")
        declared = _declared(order, update)
        row = await uow.after_order.activity(order.order_id, update.activity_id)
        previous = row.status if row is not None else declared.status
        if previous in CLOSED_ACTIVITY and update.status != previous:
            raise Rejected(error("activity.closed", f"activity {update.activity_id} is "
                                 f"{previous}; it cannot become {update.status}", "status"))
        if row is None:
            row = ActivityStatusRow(order_id=order.order_id, activity_id=declared.activity_id,
                                    status=previous, scheduled_for=None, note=None,
                                    updated_at=datetime.now(UTC))
            uow.after_order.add_activity(row)
        changed = (update.status, update.scheduled_for, update.note) != (
            row.status, row.scheduled_for, row.note)
        row.status, row.scheduled_for, row.note = (update.status, update.scheduled_for,
                                                   update.note)
        row.updated_at = datetime.now(UTC)
        if changed:
            await _announce(uow, order, declared, update, previous)
        return "accepted", ActivityResult(order_id=order.order_id,
                                          activity_id=declared.activity_id,
                                          status=update.status).model_dump()

    return await exactly_once(uow, request, use_case)


async def after_order_view(uow: UnitOfWork, order: Order) -> tuple[list[Shipment],
                                                                   list[Activity]]:
    """The order's shipments, and its declared activities with their current status."""
    shipments = [Shipment.model_validate(row, from_attributes=True)
                 for row in await uow.after_order.shipments(order.order_id)]
    current = await uow.after_order.activities(order.order_id)
    activities = [activity.model_copy(update={"status": current[activity.activity_id].status})
                  if activity.activity_id in current else activity
                  for activity in order.activities]
    return shipments, activities


async def _order_in_force(uow: UnitOfWork, order_id: str, family: str) -> Order:
    head = await uow.orders.head(order_id, lock=True)
    if head is None:
        raise Rejected(error("order.unknown", f"no order {order_id}", "order_id"))
    if head.status in NOT_RELEASED:
        raise Rejected(error(f"{family}.order_not_open", f"order {order_id} is {head.status}: "
                             "nothing of it is being delivered", "order_id"))
    row = await uow.orders.revision(order_id, head.current_revision)
    assert row is not None, "an order head always has its current revision"
    return Order.model_validate(row.document)


def _check_shipped_lines(notice: ShipmentNotice, order: Order) -> None:
    known = {item.line_id for item in order.items}
    repeated = Counter(notice.lines)
    problems = [
        error("shipment.line_unknown", f"revision {order.revision} of order {order.order_id} "
              f"has no line {line_id}", f"lines[{n}]")
        for n, line_id in enumerate(notice.lines) if line_id not in known]
    problems += [error("line.duplicate_id", f"line {line_id} is listed twice", f"lines[{n}]")
                 for n, line_id in enumerate(notice.lines) if repeated[line_id] > 1]
    if problems:
        raise Rejected(*problems)


def _declared(order: Order, update: ActivityUpdate) -> Activity:
    for activity in order.activities:
        if activity.activity_id == update.activity_id:
            return activity
    raise Rejected(error("activity.unknown", f"order {order.order_id} declares no activity "
                         f"{update.activity_id}", "activity_id"))


async def _announce(uow: UnitOfWork, order: Order, activity: Activity, update: ActivityUpdate,
                    previous: str) -> None:
    uow.outbox.event("order.activity_updated", {
        "order_id": order.order_id, "revision": order.revision,
        "activity_id": activity.activity_id, "kind": activity.kind,
        "line_id": activity.line_id, "status": update.status, "previous_status": previous,
        "scheduled_for": update.scheduled_for.isoformat() if update.scheduled_for else None,
        "note": update.note})
    if activity.kind == "installation" and update.status == "scheduled":
        await mail_customer(uow, order, "installation_scheduled", about=activity.activity_id,
                            activity=update.model_dump(mode="json"))


def _shipped(row: ShipmentRow, order_id: str) -> dict:
    if row.order_id != order_id:
        raise Rejected(error("shipment.exists", f"shipment {row.shipment_id} belongs to order "
                             f"{row.order_id}", "shipment_id"))
    return ShipmentResult(order_id=row.order_id, revision=row.revision,
                          shipment_id=row.shipment_id, lines=list(row.lines)).model_dump()
