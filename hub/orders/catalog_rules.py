"""What the catalog says about an order's lines: flags taken from it, retired products refused."""

from hub.canonical.catalog import Product
from hub.canonical.orders import Order, OrderItem
from hub.errors import HubError, error


def apply_catalog(order: Order, products: dict[str, Product]) -> tuple[Order, list[HubError]]:
    """The order with catalog flags on its add lines, and every catalog rule it breaks."""
    problems: list[HubError] = []
    items: list[OrderItem] = []
    for n, item in enumerate(order.items):
        product = products.get(item.product_code) if item.action == "add" else None
        if product is None:
            items.append(item)
            continue
        if product.status == "retired":
            problems.append(error("line.product_retired",
                                  f"product {product.product_code} ({product.name}) is retired "
                                  "and can no longer be ordered", f"items[{n}].product_code"))
        items.append(item.model_copy(update={"trackable": product.trackable,
                                             "shippable": product.shippable}))
    if (any(i.shippable for i in items) and order.kind != "cancel"
            and order.shipping is None):
        problems.append(error("order.shipping_missing",
                              "the order has goods to ship; give a shipping address (shipping)",
                              "shipping"))
    return order.model_copy(update={"items": items}), problems
