"""Supplemental orders: a later whole revision, or a cancellation, of a still-open order."""

from hub.canonical.orders import Order
from hub.interfaces.orders.release import release_to_fulfilment, send_cancellation
from hub.orders.revisions import revision_changes
from hub.store.tables import OrderHeadRow
from hub.store.unit_of_work import UnitOfWork


async def supersede(uow: UnitOfWork, head: OrderHeadRow, order: Order, status: str) -> None:
    """Store the new revision as current and mark the previous one superseded."""
    await uow.orders.supersede(order.order_id, head.current_revision)
    head.current_revision = order.revision
    head.status = status
    line_status = "cancelled" if status == "cancelled" else status
    await uow.orders.add_revision(order, status, line_status=line_status)


async def revise(uow: UnitOfWork, head: OrderHeadRow, order: Order, held: bool) -> str:
    """Supersede the open revision and send the whole new one with what changed."""
    previous = await _previous(uow, head)
    status = "held" if held else "acknowledged"
    await supersede(uow, head, order, status)
    changes = revision_changes(previous.items, order.items)
    uow.outbox.event("order.revised", {"order_id": order.order_id, "revision": order.revision,
                                       "changes": changes.model_dump(mode="json")})
    if not held:
        release_to_fulfilment(uow, order, changes)
    return status


async def cancel(uow: UnitOfWork, head: OrderHeadRow, order: Order) -> str:
    """Cancel the whole open order and tell billing and provisioning which lines go."""
    previous = await _previous(uow, head)
    await supersede(uow, head, order, "cancelled")
    send_cancellation(uow, order, revision_changes(previous.items, []))
    return "cancelled"


async def _previous(uow: UnitOfWork, head: OrderHeadRow) -> Order:
    row = await uow.orders.revision(head.order_id, head.current_revision)
    assert row is not None, "an order head always has its current revision"
    return Order.model_validate(row.document)
