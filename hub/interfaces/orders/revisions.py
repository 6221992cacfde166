"""Supplemental orders: a later whole revision, or a cancellation, of a still-open order."""

from hub.canonical.orders import Order
from hub.errors import Rejected, error
from hub.interfaces.orders.release import release_to_fulfilment, send_cancellation
from hub.orders.revisions import revision_changes
from hub.store.tables import OrderHeadRow
from hub.store.unit_of_work import UnitOfWork

CLOSED = {"completed": "is complete", "partial": "is complete", "failed": "has failed",
          "cancelled": "is cancelled", "rejected": "was rejected"}


def check_revisable(head: OrderHeadRow | None, order: Order) -> OrderHeadRow:
    """Refuse a revision that is unknown, out of turn, too late, or for another account."""
    if head is None:
        raise Rejected(error("order.unknown", f"there is no order {order.order_id} to revise; "
                             "submit it as kind new first", "order_id"))
    if order.revision != head.current_revision + 1:
        raise Rejected(error("order.revision_not_next",
                             f"order {order.order_id} is at revision {head.current_revision}; "
                             f"the next revision is {head.current_revision + 1}", "revision"))
    if head.account_id != order.account_id:
        raise Rejected(error("order.account_mismatch", f"order {order.order_id} belongs to "
                             f"account {head.account_id}", "account_id"))
    if head.status in CLOSED:
        raise Rejected(error("order.closed", f"order {order.order_id} {CLOSED[head.status]}; "
                             "changes now need a new (delta) order", "order_id"))
    if head.point_of_no_return:
        raise Rejected(error("order.past_point_of_no_return",
                             f"order {order.order_id} has passed its point of no return; "
                             "changes now need a new (delta) order once it completes",
                             "order_id"))
    return head


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
        await release_to_fulfilment(uow, order, changes)
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
