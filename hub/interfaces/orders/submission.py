"""Order ASIs: submit, approve and read orders."""

from dataclasses import dataclass
from decimal import Decimal

from hub.canonical.orders import Order, OrderRef, SubmitResult
from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected, error
from hub.interfaces.exactly_once import exactly_once, rejection
from hub.interfaces.orders.installed_base import check_order_against_assets
from hub.interfaces.orders.release import release_to_fulfilment
from hub.interfaces.orders.revisions import cancel, check_revisable, revise
from hub.interfaces.orders.views import order_view
from hub.interfaces.request import Request
from hub.orders.rules import check_order
from hub.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OrderPolicy:
    """Business settings of order intake."""

    approval_threshold: Decimal


async def submit_order(
    order: Order, request: Request, uow: UnitOfWork, policy: OrderPolicy
) -> Reply:
    """Check, store and release a new order, or hold it for a supervisor's approval."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        if problems := check_order(order):
            raise Rejected(*problems)
        head = await uow.orders.head(order.order_id, lock=True)
        if order.kind != "new":
            head = check_revisable(head, order)
        elif head is not None:
            raise Rejected(error("order.exists", f"order {order.order_id} was already "
                                 "submitted; send a revision to change it", "order_id"))
        if order.kind != "cancel" and (problems := await check_order_against_assets(uow, order)):
            raise Rejected(*problems)
        held = order.total() > policy.approval_threshold
        if order.kind == "cancel":
            status = await cancel(uow, head, order)
        elif order.kind == "revision":
            status = await revise(uow, head, order, held)
        else:
            status = await _accept_new(uow, order, held)
        if held and status == "held":
            uow.outbox.event("order.approval_requested", {
                "order_id": order.order_id, "revision": order.revision,
                "total": str(order.total()), "currency": order.currency,
                "threshold": str(policy.approval_threshold)})
        return "accepted", _result(order.order_id, order.revision, status)

    return await exactly_once(uow, request, use_case, _order_rejected(order.order_id,
                                                                      order.revision))


async def get_order(ref: OrderRef, request: Request, uow: UnitOfWork) -> Reply:
    """The latest revision with line and order status; a read, so nothing is remembered."""
    async with uow:
        view = await order_view(uow, ref.order_id)
    if view is None:
        return rejection(request, [error("order.unknown", f"no order {ref.order_id}",
                                         "order_id")])
    return Reply(status="ok", operation=request.operation, request_id=request.message_id,
                 result=view.model_dump(mode="json"))


async def _accept_new(uow: UnitOfWork, order: Order, held: bool) -> str:
    status = "held" if held else "acknowledged"
    uow.orders.add_head(order, status)
    await uow.orders.add_revision(order, status, line_status=status)
    if not held:
        release_to_fulfilment(uow, order)
    return status


def _result(order_id: str, revision: int, status: str) -> dict:
    return SubmitResult(order_id=order_id, revision=revision, status=status).model_dump()


def _order_rejected(order_id: str, revision: int):  # type: ignore[no-untyped-def]
    def record(uow: UnitOfWork, errors: list[HubError]) -> None:
        uow.outbox.event("order.rejected", {
            "order_id": order_id, "revision": revision,
            "errors": [e.model_dump() for e in errors]})

    return record
