"""The catalog's rules on order lines and how the hub prices a partner's order (pure)."""

from decimal import Decimal

from hub.canonical.catalog import Product
from hub.canonical.orders import Order, Price
from hub.orders.catalog_rules import apply_catalog
from hub.orders.partner_pricing import PriceList, price_partner_order
from tests.support.commerce import CATALOG, SHIPPING, a_line, a_partner_order

PRODUCTS = {p["product_code"]: Product.model_validate(p) for p in CATALOG}


def order(*items, **changes) -> Order:  # type: ignore[no-untyped-def]
    return Order.model_validate(a_partner_order("O-1", *items, **changes))


def codes(problems) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(p.code, p.path) for p in problems]


def test_add_lines_take_trackable_and_shippable_from_the_catalog_others_keep_theirs():
    checked, problems = apply_catalog(order(
        a_line("1", "INSTALL", trackable=True), a_line("2", "PHONE-X"),
        a_line("3", "MYSTERY", trackable=False),
        a_line("4", "PHONE-X", action="update", asset_id="A-1", trackable=False),
        shipping=SHIPPING), PRODUCTS)
    assert problems == []
    assert [(i.trackable, i.shippable) for i in checked.items] == [
        (False, False), (True, True), (False, False), (False, False)]


def test_a_retired_product_on_an_add_line_is_refused_but_kept_on_other_actions():
    _, problems = apply_catalog(order(
        a_line("1", "PLAN-OLD"), a_line("2", "PLAN-OLD", action="delete", asset_id="A-1")),
        PRODUCTS)
    assert codes(problems) == [("line.product_retired", "items[0].product_code")]


def test_goods_to_ship_need_a_shipping_address_unless_the_order_is_cancelled():
    _, problems = apply_catalog(order(a_line("1", "PHONE-X")), PRODUCTS)
    assert codes(problems) == [("order.shipping_missing", "shipping")]
    cancel = order(a_line("1", "PHONE-X"), kind="cancel", revision=2)
    assert apply_catalog(cancel, PRODUCTS)[1] == []


def prices_of(o: Order, own_account: bool = False, assets=None):  # type: ignore[no-untyped-def]
    items, problems = price_partner_order(o, PriceList(PRODUCTS, assets or {}, own_account))
    return [(i.price.one_time, i.price.recurring) for i in items], codes(problems)


def test_a_partner_pays_list_prices_for_customers_and_partner_prices_for_itself():
    lines = (a_line("1", "PHONE-X", quantity=2), a_line("2", "SIM"))
    assert prices_of(order(*lines)) == ([(Decimal("499.00"), Decimal("0.00")),
                                         (Decimal("5.00"), Decimal("0.00"))], [])
    assert prices_of(order(*lines), own_account=True) == (
        [(Decimal("380.00"), Decimal("0.00")), (Decimal("5.00"), Decimal("0.00"))], [])


def test_a_price_sent_must_be_the_catalogs():
    same = a_line("1", "PLAN-FAM", price={"one_time": "0", "recurring": "30"})
    assert prices_of(order(same))[1] == []
    cheaper = a_line("1", "PLAN-FAM", price={"one_time": "0", "recurring": "21.00"})
    assert prices_of(order(cheaper))[1] == [("line.price_mismatch", "items[0].price")]
    assert prices_of(order(cheaper), own_account=True)[1] == []


def test_other_actions_keep_the_price_of_the_asset_they_change_whatever_was_sent():
    update = a_line("1", "PLAN-FAM", action="update", asset_id="A-1",
                    price={"one_time": "0", "recurring": "1.00"})
    kept = Price(one_time=Decimal("0"), recurring=Decimal("27.50"))
    assert prices_of(order(update), assets={"A-1": kept}) == (
        [(Decimal("0"), Decimal("27.50"))], [])


def test_unknown_products_and_foreign_currencies_are_refused():
    foreign = Product.model_validate(CATALOG[0] | {"product_code": "USD-ONLY",
                                                   "currency": "USD"})
    items, problems = price_partner_order(
        order(a_line("1", "NOT-SOLD"), a_line("2", "USD-ONLY")),
        PriceList(PRODUCTS | {"USD-ONLY": foreign}, {}, own_account=False))
    assert codes(problems) == [("line.product_unknown", "items[0].product_code"),
                               ("order.currency_mixed", "items[1].product_code")]
