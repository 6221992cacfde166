"""Reading an order back as the front office sees it."""

from hub.canonical.orders import (
    Order,
    OrderLineView,
    OrderView,
    PendingRevision,
    StatusChange,
)
from hub.interfaces.backoffice.after_order import after_order_view
from hub.store.unit_of_work import UnitOfWork

# what the view takes from the order document as it was submitted
_SUBMITTED = ("order_id", "revision", "kind", "account_id", "partner_id", "acting_user",
              "currency",
              "submitted_at", "quote_id", "opportunity_id", "requested_date", "shipping", "payment",
              "credit_check_id", "attachments")


async def order_view(uow: UnitOfWork, order_id: str) -> OrderView | None:
    """The revision in force, its lines as each system reported them, and the order's history."""
    head = await uow.orders.head(order_id)
    if head is None:
        return None
    row = await uow.orders.revision(order_id, head.current_revision)
    assert row is not None, "an order head always has its current revision"
    order = Order.model_validate(row.document)
    lines = {line.line_id: line for line in await uow.orders.lines(order_id, row.revision)}
    # a fulfilled add line shows the asset it became
    items = [
        OrderLineView(**item.model_dump() | {"asset_id": lines[item.line_id].asset_id
                                             or item.asset_id},
                      status=lines[item.line_id].status,
                      systems=dict(lines[item.line_id].systems or {}))
        for item in order.items_with_accounts()
    ]
    shipments, activities = await after_order_view(uow, order)
    pending = None
    if head.pending_revision is not None:
        pending = PendingRevision(revision=head.pending_revision)
    history = [StatusChange(at=change.at, status=change.status)
               for change in await uow.orders.history(order_id)]
    return OrderView(
        **{name: getattr(order, name) for name in _SUBMITTED},
        status=row.status, items=items, pending_revision=pending, history=history,
        billing_account_id=order.billing_account(), service_account_id=order.service_account(),
        shipments=shipments, activities=activities,
    )
