"""How the hub prices a partner's order: from the catalog, never from the partner's say-so.

Add lines take the list price on a customer account and the partner price on the partner's
own account; a line sent with a different price is refused. Other actions keep the price of
the asset they change.
"""

from dataclasses import dataclass

from hub.canonical.catalog import Product, ProductPrice
from hub.canonical.orders import Order, OrderItem, Price
from hub.errors import HubError, error


@dataclass(frozen=True)
class PriceList:
    """What the hub knows to price one partner order with."""

    products: dict[str, Product]
    # the price each changed asset was ordered at, by asset id
    asset_prices: dict[str, Price]
    own_account: bool


def price_partner_order(order: Order, prices: PriceList) -> tuple[list[OrderItem], list[HubError]]:
    """The order's lines priced by the hub, and every pricing rule they break."""
    items, problems = [], []
    for n, item in enumerate(order.items):
        expected, problem = _expected_price(item, n, order, prices)
        if problem is not None:
            problems.append(problem)
        if expected is None:
            items.append(item)
            continue
        sent = "price" in item.model_fields_set
        if item.action == "add" and sent and not _same(item.price, expected):
            problems.append(error(
                "line.price_mismatch",
                f"line {item.line_id} is priced {_shown(item.price)} but {item.product_code} "
                f"costs {_shown(expected)} here; leave the price out and the hub sets it",
                f"items[{n}].price"))
        items.append(item.model_copy(update={"price": expected.model_copy(
            update={"currency": item.price.currency})}))
    return items, problems


def _expected_price(item: OrderItem, n: int, order: Order, prices: PriceList
                    ) -> tuple[Price | None, HubError | None]:
    if item.action != "add":
        return prices.asset_prices.get(item.asset_id or ""), None
    product = prices.products.get(item.product_code)
    if product is None:
        return None, error("line.product_unknown", f"product {item.product_code} is not in "
                           "the catalog; ask catalog.query for what can be ordered",
                           f"items[{n}].product_code")
    if product.status == "retired":
        return None, None  # refused with the catalog rules every order goes through
    if product.currency != order.currency:
        return None, error("order.currency_mixed", f"product {product.product_code} is sold in "
                           f"{product.currency}, the order is in {order.currency}",
                           f"items[{n}].product_code")
    return _as_price(product.partner_price if prices.own_account and product.partner_price
                     else product.price), None


def _as_price(price: ProductPrice) -> Price:
    return Price(one_time=price.one_time, recurring=price.recurring)


def _same(a: Price, b: Price) -> bool:
    return (a.one_time, a.recurring) == (b.one_time, b.recurring)


def _shown(price: Price) -> str:
    return f"{price.one_time} once + {price.recurring} recurring"
