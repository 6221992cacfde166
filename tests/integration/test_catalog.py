"""The product catalog over the real broker: the product master syncs it, every order obeys it."""

import pytest

from hub.client import HubCaller
from tests.support.commerce import CATALOG, SHIPPING, a_product
from tests.support.factories import a_line, an_order
from tests.support.hubs import dead_letters

pytestmark = pytest.mark.integration


async def sync(caller: HubCaller, products: list[dict]) -> dict:
    return (await caller.call("catalog.sync", {"products": products})).json()


async def test_the_product_master_syncs_and_everyone_sees_active_products_only(
    hub, caller: HubCaller
):
    reply = await sync(caller, CATALOG)
    assert (reply["status"], reply["result"]) == ("accepted", {"synced": len(CATALOG)})
    [changed] = await caller.wait_for("catalog.changed")
    assert changed.json()["data"]["retired"] == ["PLAN-OLD"]

    everything = (await caller.call("catalog.query", {})).json()["result"]["products"]
    assert [p["product_code"] for p in everything] == sorted(
        p["product_code"] for p in CATALOG if p["status"] == "active")
    by_code = (await caller.call("catalog.query", {"product_codes": ["SIM", "PLAN-OLD"]})
               ).json()["result"]["products"]
    assert [p["product_code"] for p in by_code] == ["SIM"]
    by_text = (await caller.call("catalog.query", {"text": "FAMILY"})).json()["result"]
    assert [(p["product_code"], p["promotion"]) for p in by_text["products"]] == [
        ("PLAN-FAM", "first month free")]


async def test_a_second_sync_replaces_a_product_whole_and_can_retire_it(hub, caller):
    await sync(caller, CATALOG)
    await sync(caller, [a_product("SIM", name="SIM card v2", status="retired")])
    codes = (await caller.call("catalog.query", {"text": "sim"})).json()["result"]["products"]
    assert codes == []


@pytest.mark.parametrize("products, code, path", [
    ([a_product("A"), a_product("A")], "product.duplicate_code", "products[0].product_code"),
    ([a_product(f"P-{n}") for n in range(1001)], "request.field_invalid", "products"),
    ([a_product("A", status="gone")], "product.status_unknown", "products[0].status"),
    ([a_product("A", price={"one_time": 5, "recurring": "1"})], "money.invalid",
     "products[0].price.one_time"),
    ([], "request.field_invalid", "products"),
])
async def test_a_bad_sync_is_refused_whole(hub, caller, amqp_url, products, code, path):
    reply = await sync(caller, [a_product("KEEP"), *products] if products else [])
    assert reply["status"] == "rejected"
    assert (reply["errors"][0]["code"], reply["errors"][0]["path"]) == (
        code, path.replace("products[0]", "products[1]") if products else path)
    assert (await caller.call("catalog.query", {})).json()["result"]["products"] == []
    assert [m.headers["x-hub-error-code"] for m in await dead_letters(amqp_url,
                                                                      "catalog.sync")] == [code]


async def test_an_order_takes_trackable_and_shippable_from_the_catalog(hub, caller):
    await sync(caller, CATALOG)
    order = an_order("ORD-CAT", a_line("1", product_code="INSTALL", trackable=True),
                     a_line("2", product_code="PHONE-X", trackable=False),
                     a_line("3", product_code="UNKNOWN-TO-CATALOG", trackable=False),
                     shipping=SHIPPING)
    assert (await caller.call("order.submit", order)).json()["status"] == "accepted"

    items = (await caller.call("order.get", {"order_id": "ORD-CAT"})).json()["result"]["items"]
    assert [(i["trackable"], i["shippable"]) for i in items] == [
        (False, False), (True, True), (False, False)]


@pytest.mark.parametrize("line, shipping, code, path", [
    (a_line("1", product_code="PLAN-OLD"), None, "line.product_retired", "items[0].product_code"),
    (a_line("1", product_code="PHONE-X"), None, "order.shipping_missing", "shipping"),
])
async def test_an_order_the_catalog_forbids_is_refused(hub, caller, line, shipping, code, path):
    await sync(caller, CATALOG)
    order = an_order("ORD-NO", line, **({"shipping": shipping} if shipping else {}))
    reply = (await caller.call("order.submit", order)).json()

    assert [(e["code"], e["path"]) for e in reply["errors"]] == [(code, path)]
    assert (await caller.call("order.get", {"order_id": "ORD-NO"})).json()["errors"][0][
        "code"] == "order.unknown"
