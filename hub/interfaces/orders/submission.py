"""Order ASIs: submit, approve and read orders."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from hub.backoffice.order_policy import (
    APPROVAL,
    CREDIT_REVIEW,
    authorization_problem,
    credit_shortfall,
)
from hub.canonical.orders import Order, OrderRef, SubmitResult
from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected, error
from hub.interfaces.exactly_once import exactly_once, rejection
from hub.interfaces.orders.installed_base import check_order_against_assets
from hub.interfaces.orders.release import release_to_fulfilment
from hub.interfaces.orders.revisions import cancel, revise
from hub.interfaces.orders.views import order_view
from hub.interfaces.request import Request
from hub.orders.catalog_rules import apply_catalog
from hub.orders.revisions import check_revisable
from hub.orders.rules import check_order
from hub.store.unit_of_work import UnitOfWork

# a step a channel puts in front of the order rules: checks the caller, may reprice the order
Admission = Callable[[UnitOfWork, Order], Awaitable[Order]]


@dataclass(frozen=True)
class OrderPolicy:
    """Business settings of order intake."""

    approval_threshold: Decimal
    # new orders worth more need an approved credit check the hub issued; None: never
    credit_check_above: Decimal | None = None


async def submit_order(
    submitted: Order, request: Request, uow: UnitOfWork, policy: OrderPolicy,
    admit: Admission | None = None,
) -> Reply:
    """Check, store and release a new order, or hold it for a supervisor's approval.

    ``admit`` runs first inside the transaction (the partner channel's rules and pricing).
    """

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        order = submitted if admit is None else await admit(uow, submitted)
        order, problems = apply_catalog(order, await uow.catalog.products(
            item.product_code for item in order.items if item.action == "add"))
        if problems := problems + check_order(order):
            raise Rejected(*problems)
        head = await uow.orders.head(order.order_id, lock=True)
        if order.kind != "new":
            head = check_revisable(head, order)
        elif head is not None:
            raise Rejected(error("order.exists", f"order {order.order_id} was already "
                                 "submitted; send a revision to change it", "order_id"))
        if order.kind != "cancel" and (problems := await check_order_against_assets(uow, order)):
            raise Rejected(*problems)
        if order.kind != "cancel" and (problem := await _payment_problem(uow, order)):
            raise Rejected(problem)
        hold_reason = await _hold_reason(uow, order, policy)
        held = hold_reason is not None
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
                "threshold": str(policy.approval_threshold), "hold_reason": hold_reason,
                "credit_shortfall": await _credit_shortfall(uow, order)
                if hold_reason == CREDIT_REVIEW else None})
        return "accepted", _result(order.order_id, order.revision, status,
                                   # the reply names only the credit hold: v1 callers
                                   # know a held order as one awaiting approval
                                   hold_reason if status == "held" and hold_reason ==
                                   CREDIT_REVIEW else None)

    uow.expect_order(submitted.order_id)
    return await exactly_once(uow, request, use_case, _order_rejected(submitted, request))


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
        await release_to_fulfilment(uow, order)
    return status


def _result(order_id: str, revision: int, status: str, hold_reason: str | None = None) -> dict:
    return SubmitResult(order_id=order_id, revision=revision, status=status,
                        hold_reason=hold_reason).model_dump(exclude_none=True)


async def _hold_reason(uow: UnitOfWork, order: Order, policy: OrderPolicy) -> str | None:
    """Why the order waits for ``order.approve``: its size, or no credit check covering it."""
    if order.kind == "cancel":
        return None
    if order.total() > policy.approval_threshold:
        return APPROVAL
    if (order.kind == "new" and policy.credit_check_above is not None
            and order.total() > policy.credit_check_above
            and await _credit_shortfall(uow, order) is not None):
        return CREDIT_REVIEW
    return None


async def _credit_shortfall(uow: UnitOfWork, order: Order) -> str | None:
    check = (await uow.backoffice.credit_check(order.credit_check_id)
             if order.credit_check_id else None)
    return credit_shortfall(order, check, datetime.now(UTC))


async def _payment_problem(uow: UnitOfWork, order: Order) -> HubError | None:
    """A card order relies on an authorisation; accepting the order takes it for good."""
    named = order.payment.authorization_id if order.payment else None
    authorization = await uow.backoffice.authorization(named, lock=True) if named else None
    if problem := authorization_problem(order, authorization, datetime.now(UTC)):
        return problem
    if authorization is not None and order.payment and order.payment.method == "card":
        authorization.used_by_order_id = order.order_id
    return None


def _order_rejected(order: Order, request: Request):  # type: ignore[no-untyped-def]
    # on a partner's vhost the partner is the channel's, whatever the body says
    partner_id = request.channel_partner or order.partner_id
    acting_user = request.acting_user if request.channel_partner else order.acting_user

    def record(uow: UnitOfWork, errors: list[HubError]) -> None:
        uow.outbox.event("order.rejected", {
            "order_id": order.order_id, "revision": order.revision,
            "account_id": order.account_id, "partner_id": partner_id,
            "acting_user": acting_user, "errors": [e.model_dump() for e in errors]})

    return record
