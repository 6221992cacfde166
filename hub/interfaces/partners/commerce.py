"""The partner ordering channel: what an employee of an approved partner may do on its vhost.

Every request names the acting employee (``x-acting-user``); the partner may act only on its
assigned accounts and its own, orders are priced by the hub from the catalog, and standard
users may only browse, read and place new orders of add lines.
"""

from collections.abc import Callable

from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.canonical.catalog import CatalogQuery
from hub.canonical.orders import Order, OrderRef, Price
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.assets.queries import delta_to_wanted, query_assets
from hub.interfaces.catalog.products import query_catalog
from hub.interfaces.exactly_once import rejection
from hub.interfaces.orders.submission import OrderPolicy, get_order, submit_order
from hub.interfaces.partners.identity import Acting, acting_employee
from hub.interfaces.request import Request
from hub.orders.partner_pricing import PriceList, price_partner_order
from hub.store.unit_of_work import UnitOfWork


async def partner_submit(order: Order, request: Request, uow: UnitOfWork,
                         policy: OrderPolicy) -> Reply:
    """A customer order (or the partner's own stock order) placed by a partner employee."""
    channel = _channel_of(request)

    async def admit(uow: UnitOfWork, order: Order) -> Order:
        acting = await acting_employee(uow, request, channel)
        if order.partner_id not in (None, channel):
            raise Rejected(error("partner.identity_mismatch",
                                 f"you are partner {channel}; an order may not name partner "
                                 f"{order.partner_id}", "partner_id"))
        acting.check_account(order.account_id)
        if order.kind != "new":
            acting.require_power(f"submit a {order.kind}", "kind")
            await _own_order(uow, acting, order.order_id)
        if forbidden := [n for n, item in enumerate(order.items) if item.action != "add"]:
            acting.require_power(f"order {order.items[forbidden[0]].action} lines",
                                 f"items[{forbidden[0]}].action")
        items, problems = price_partner_order(order, await _price_list(uow, acting, order))
        if problems:
            raise Rejected(*problems)
        return order.model_copy(update={"partner_id": channel, "acting_user": acting.user_id,
                                        "items": items})

    return await submit_order(order, request, uow, policy, admit)


async def partner_get_order(ref: OrderRef, request: Request, uow: UnitOfWork) -> Reply:
    """An order on one of the partner's accounts; any other is unknown to it."""
    try:
        async with uow:
            acting = await acting_employee(uow, request, _channel_of(request))
            await _own_order(uow, acting, ref.order_id)
    except Rejected as rejected:
        return rejection(request, rejected.errors)
    return await get_order(ref, request, uow)


async def partner_query_assets(query: AssetQuery, request: Request, uow: UnitOfWork) -> Reply:
    """The installed base of one of the partner's accounts; the future view for power users."""

    def check(acting: Acting) -> None:
        acting.check_account(query.account_id)
        if query.view != "current":
            acting.require_power("see the future view", "view")

    return await _checked(request, uow, check) or await query_assets(query, request, uow)


async def partner_delta(delta: DeltaRequest, request: Request, uow: UnitOfWork) -> Reply:
    """Order lines to a wanted state of one of the partner's accounts (power users)."""

    def check(acting: Acting) -> None:
        acting.require_power("ask for an asset delta")
        acting.check_account(delta.account_id)

    return await _checked(request, uow, check) or await delta_to_wanted(delta, request, uow)


async def partner_catalog(query: CatalogQuery, request: Request, uow: UnitOfWork) -> Reply:
    """Active products with list and partner prices, for any employee of the partner."""
    return (await _checked(request, uow, lambda _: None)
            or await query_catalog(query, request, uow))


async def _checked(request: Request, uow: UnitOfWork, check: Callable[[Acting], None]
                   ) -> Reply | None:
    """The refusal of a read the employee may not make, or None when it may."""
    try:
        async with uow:
            check(await acting_employee(uow, request, _channel_of(request)))
    except Rejected as rejected:
        return rejection(request, rejected.errors)
    return None


async def _own_order(uow: UnitOfWork, acting: Acting, order_id: str) -> None:
    """Refuse an order the partner may not see as unknown, so no other order's existence leaks."""
    head = await uow.orders.head(order_id)
    if head is None or not acting.partner.serves(head.account_id):
        raise Rejected(error("order.unknown", f"no order {order_id} on your accounts",
                             "order_id"))


async def _price_list(uow: UnitOfWork, acting: Acting, order: Order) -> PriceList:
    products = await uow.catalog.products(i.product_code for i in order.items
                                          if i.action == "add")
    asset_prices = {}
    for item in order.items:
        if item.action != "add" and item.asset_id is not None:
            if (price := await _asset_price(uow, item.asset_id)) is not None:
                asset_prices[item.asset_id] = price
    return PriceList(products, asset_prices,
                     own_account=order.account_id == acting.partner.own_account_id)


async def _asset_price(uow: UnitOfWork, asset_id: str) -> Price | None:
    """The price of the order line the asset came from."""
    if (origin := await uow.assets.origin(asset_id)) is None:
        return None
    order_id, revision, line_id = origin
    if (row := await uow.orders.revision(order_id, revision)) is None:
        return None
    line = next((i for i in Order.model_validate(row.document).items if i.line_id == line_id),
                None)
    return None if line is None else line.price


def _channel_of(request: Request) -> str:
    assert request.channel_partner, "partner routes set the channel partner"
    return request.channel_partner

