"""Supplemental orders: a later whole revision, or a cancellation, of a still-open order."""

from hub.canonical.orders import Order
from hub.interfaces.orders.release import release_to_fulfilment, send_cancellation
from hub.orders.revisions import revision_changes
from hub.store.tables import OrderHeadRow
from hub.store.unit_of_work import UnitOfWork


async def supersede(uow: UnitOfWork, head: OrderHeadRow, order: Order, status: str) -> None:
    """Store the new revision as the one in force and mark the previous one superseded."""
    await uow.orders.supersede(order.order_id, head.current_revision)
    head.current_revision = order.revision
    uow.orders.set_status(head, status)
    line_status = "cancelled" if status == "cancelled" else status
    await uow.orders.add_revision(order, status, line_status=line_status)


async def revise(uow: UnitOfWork, head: OrderHeadRow, order: Order, held: bool) -> str:
    """Send the whole new revision with what changed, or hold it beside the one in force."""
    previous = await order_in_force(uow, head)
    await drop_pending(uow, head)
    changes = revision_changes(previous.items, order.items)
    uow.outbox.event("order.revised", {"order_id": order.order_id, "revision": order.revision,
                                       "changes": changes.model_dump(mode="json")})
    if held and head.status != "held":
        # the revision in force keeps working until a supervisor approves this one
        await uow.orders.add_revision(order, "held", line_status="held")
        head.pending_revision = order.revision
        return "held"
    status = "held" if held else "acknowledged"
    await supersede(uow, head, order, status)
    if not held:
        await release_to_fulfilment(uow, order, changes)
    return status


async def cancel(uow: UnitOfWork, head: OrderHeadRow, order: Order) -> str:
    """Cancel the whole open order and tell billing and provisioning which lines go."""
    previous = await order_in_force(uow, head)
    await drop_pending(uow, head)
    await supersede(uow, head, order, "cancelled")
    send_cancellation(uow, order, revision_changes(previous.items, []))
    return "cancelled"


async def drop_pending(uow: UnitOfWork, head: OrderHeadRow) -> None:
    """A newer revision replaces the one still waiting for approval."""
    if head.pending_revision is not None:
        await uow.orders.supersede(head.order_id, head.pending_revision)
        head.pending_revision = None


async def order_in_force(uow: UnitOfWork, head: OrderHeadRow) -> Order:
    row = await uow.orders.revision(head.order_id, head.current_revision)
    assert row is not None, "an order head always has its current revision"
    return Order.model_validate(row.document)
