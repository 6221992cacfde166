"""A supervisor's decision on a held order, or on a held revision of an order in force."""

from hub.canonical.orders import Approval, Order, SubmitResult
from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected, error
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.orders.release import release_to_fulfilment
from hub.interfaces.orders.revisions import order_in_force
from hub.interfaces.request import Request
from hub.orders.revisions import past_point_of_no_return, revision_changes
from hub.store.tables import OrderHeadRow, OrderRow
from hub.store.unit_of_work import UnitOfWork


async def approve_order(approval: Approval, request: Request, uow: UnitOfWork) -> Reply:
    """Release the held revision, or reject it; a held later revision never touches the one
    in force until it is approved."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        head = await uow.orders.head(approval.order_id, lock=True)
        row = await uow.orders.revision(approval.order_id, approval.revision)
        if head is None or row is None:
            raise Rejected(error("order.unknown", f"no order {approval.order_id} revision "
                                 f"{approval.revision}", "order_id"))
        if head.pending_revision == approval.revision:
            status = await _decide_pending(uow, head, row, approval)
        elif head.status == "held" and head.current_revision == approval.revision:
            status = await _decide_held(uow, head, row, approval)
        else:
            raise Rejected(error("order.not_held", f"order {approval.order_id} revision "
                                 f"{approval.revision} is {row.status}, not awaiting approval",
                                 "revision"))
        return "accepted", SubmitResult(order_id=approval.order_id, revision=approval.revision,
                                        status=status).model_dump(exclude_none=True)

    return await exactly_once(uow, request, use_case)


async def _decide_held(uow: UnitOfWork, head: OrderHeadRow, row: OrderRow,
                       approval: Approval) -> str:
    """The revision in force itself waits: approval releases it, rejection ends the order."""
    status = "acknowledged" if approval.decision == "approve" else "rejected"
    row.status = status
    uow.orders.set_status(head, status)
    await _set_lines(uow, row, status if status != "rejected" else "cancelled")
    if approval.decision == "reject":
        uow.outbox.event("order.rejected", {
            "order_id": approval.order_id, "revision": approval.revision,
            "errors": [_refusal(approval).model_dump()]})
        return status
    order = Order.model_validate(row.document)
    changes = None
    if order.revision > 1:
        previous = await uow.orders.revision(order.order_id, order.revision - 1)
        assert previous is not None, "revisions are numbered without gaps"
        changes = revision_changes(Order.model_validate(previous.document).items, order.items)
    await release_to_fulfilment(uow, order, changes)
    return status


async def _decide_pending(uow: UnitOfWork, head: OrderHeadRow, row: OrderRow,
                          approval: Approval) -> str:
    """A later revision waits beside the one in force: approval puts it in force."""
    if approval.decision == "reject":
        head.pending_revision = None
        row.status = "rejected"
        await _set_lines(uow, row, "cancelled")
        uow.outbox.event("order.revision_rejected", {
            "order_id": approval.order_id, "revision": approval.revision,
            "revision_in_force": head.current_revision, "status": head.status,
            "errors": [_refusal(approval).model_dump()]})
        return "rejected"
    if head.point_of_no_return:
        raise Rejected(past_point_of_no_return(approval.order_id))
    previous = await order_in_force(uow, head)
    await uow.orders.supersede(head.order_id, head.current_revision)
    head.pending_revision = None
    head.current_revision = approval.revision
    row.status = "acknowledged"
    await _set_lines(uow, row, "acknowledged")
    uow.orders.set_status(head, "acknowledged")
    order = Order.model_validate(row.document)
    await release_to_fulfilment(uow, order, revision_changes(previous.items, order.items))
    return "acknowledged"


async def _set_lines(uow: UnitOfWork, row: OrderRow, status: str) -> None:
    for line in await uow.orders.lines(row.order_id, row.revision):
        line.status = status


def _refusal(approval: Approval) -> HubError:
    return error("order.approval_refused", approval.reason or f"refused by {approval.approver}")
