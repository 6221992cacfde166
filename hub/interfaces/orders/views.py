"""Reading an order back as the front office sees it."""

from hub.canonical.orders import Order, OrderLineView, OrderView
from hub.interfaces.backoffice.after_order import after_order_view
from hub.store.unit_of_work import UnitOfWork


async def order_view(uow: UnitOfWork, order_id: str) -> OrderView | None:
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
                      status=lines[item.line_id].status)
        for item in order.items
    ]
    shipments, activities = await after_order_view(uow, order)
    return OrderView(
        order_id=order.order_id, revision=order.revision, kind=order.kind,
        account_id=order.account_id, partner_id=order.partner_id, currency=order.currency,
        submitted_at=order.submitted_at, status=row.status, items=items,
        shipments=shipments, activities=activities,
    )
