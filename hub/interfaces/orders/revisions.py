"""Supplemental orders: a later whole revision, or a cancellation, of a still-open order."""

from hub.canonical.orders import Order
from hub.errors import HubError, Rejected, error
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
    latest = latest_revision(head)
    if order.revision != latest + 1:
        raise Rejected(error("order.revision_not_next",
                             f"order {order.order_id} is at revision {latest}; "
                             f"the next revision is {latest + 1}", "revision"))
    if head.account_id != order.account_id:
        raise Rejected(error("order.account_mismatch", f"order {order.order_id} belongs to "
                             f"account {head.account_id}", "account_id"))
    if head.status in CLOSED:
        raise Rejected(error("order.closed", f"order {order.order_id} {CLOSED[head.status]}; "
                             "changes now need a new (delta) order", "order_id"))
    if head.point_of_no_return:
        raise Rejected(past_point_of_no_return(order.order_id))
    return head


def latest_revision(head: OrderHeadRow) -> int:
    """The newest revision stored: the one waiting for approval, else the one in force."""
    return max(head.current_revision, head.pending_revision or 0)


def past_point_of_no_return(order_id: str) -> HubError:
    return error("order.past_point_of_no_return",
                 f"order {order_id} has passed its point of no return; changes now need a "
                 "new (delta) order once it completes", "order_id")


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
