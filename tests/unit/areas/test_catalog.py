"""The catalog without a broker: the product master syncs it, everyone queries it, and every
order obeys it."""

from typing import Any

import pytest
from pydantic import ValidationError

from hub.canonical.catalog import CatalogQuery, CatalogSync
from hub.errors import json_path
from hub.interfaces.catalog.products import query_catalog, sync_catalog
from tests.support.commerce import CATALOG, SHIPPING, a_product
from tests.support.factories import a_line, an_order
from tests.unit.areas.steps import errors, submit, view

ACTIVE = sorted(p["product_code"] for p in CATALOG if p["status"] == "active")


async def sync(store, products: list[dict[str, Any]], message_id: str | None = None):
    return await sync_catalog(CatalogSync.model_validate({"products": products}),
                              store.request("catalog.sync", message_id), store.new_uow())


async def query(store, **asked: Any) -> list[dict[str, Any]]:
    reply = await query_catalog(CatalogQuery.model_validate(asked),
                                store.request("catalog.query"), store.new_uow())
    assert (reply.status, reply.operation) == ("ok", "catalog.query"), reply
    return reply.result["products"]


async def synced(store) -> None:
    await sync(store, CATALOG)


def codes(products: list[dict[str, Any]]) -> list[str]:
    return [p["product_code"] for p in products]


async def test_a_sync_stores_the_products_and_announces_which_changed(store):
    before = await store.snapshot()

    reply = await sync(store, CATALOG)

    assert (reply.status, reply.result) == ("accepted", {"synced": len(CATALOG)})
    assert store.events("catalog.changed") == [{
        "product_codes": [p["product_code"] for p in CATALOG], "retired": ["PLAN-OLD"]}]
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1",
                                                 "products": f"+{len(CATALOG)}"}
    assert codes(await query(store)) == ACTIVE
    [phone] = await query(store, product_codes=["PHONE-X"])
    assert phone == {"product_code": "PHONE-X", "name": "Phone X", "trackable": True,
                     "shippable": True, "currency": "EUR",
                     "price": {"one_time": "499.00", "recurring": "0.00"},
                     "partner_price": {"one_time": "380.00", "recurring": "0.00"},
                     "status": "active", "promotion": None}


async def test_the_query_finds_active_products_by_code_or_by_text_in_any_case(prepared):
    store = await prepared(synced)
    before = await store.snapshot()

    assert codes(await query(store, product_codes=["SIM", "PLAN-OLD", "NOPE"])) == ["SIM"]
    assert codes(await query(store, text="family")) == ["PLAN-FAM"]
    assert codes(await query(store, text="plan")) == ["PLAN-FAM"]  # the retired one is not
    assert codes(await query(store, text="phone x")) == ["PHONE-X"]
    assert codes(await query(store, product_codes=[])) == []
    # the text is a text, not a pattern
    assert await query(store, text="%") == await query(store, text="_") == []
    assert await store.changes_since(before) == {}


async def test_a_second_sync_replaces_a_product_whole_and_can_retire_it(prepared):
    store = await prepared(synced)
    before = await store.snapshot()

    await sync(store, [a_product("SIM", name="SIM card v2", status="retired"),
                       a_product("ROAM", name="Roaming world", promotion=None,
                                 partner_price=None)])

    assert store.events("catalog.changed")[1] == {"product_codes": ["SIM", "ROAM"],
                                                  "retired": ["SIM"]}
    assert await query(store, text="sim") == []
    [roaming] = await query(store, product_codes=["ROAM"])
    assert (roaming["name"], roaming["partner_price"]) == ("Roaming world", None)
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1",
                                                 "products": "+2-2"}


async def test_the_same_sync_again_is_answered_from_the_inbox(store):
    first = await sync(store, CATALOG, message_id="sync-1")
    before = await store.snapshot()

    assert await sync(store, CATALOG, message_id="sync-1") == first
    assert await store.changes_since(before) == {}
    assert len(store.events("catalog.changed")) == 1


async def test_a_sync_naming_a_product_twice_is_refused_whole(store):
    before = await store.snapshot()

    reply = await sync(store, [a_product("KEEP"), a_product("A"), a_product("B"),
                               a_product("A", name="Again")])

    assert errors(reply) == [("product.duplicate_code", "products[1].product_code"),
                             ("product.duplicate_code", "products[3].product_code")]
    assert await store.changes_since(before) == {"inbox": "+1"}
    assert store.published == []
    assert await query(store) == []


@pytest.mark.parametrize("products, code, path", [
    ([a_product("A", status="gone")], "product.status_unknown", "products[0].status"),
    ([a_product("A", price={"one_time": 5, "recurring": "1"})], "money.invalid",
     "products[0].price.one_time"),
    ([a_product("A", currency="euro")], "currency.invalid", "products[0].currency"),
    ([a_product("A", name="")], "string_too_short", "products[0].name"),
    ([], "too_short", "products"),
    ([a_product(f"P-{n}") for n in range(1001)], "too_long", "products"),
])
def test_a_sync_the_contract_refuses_is_refused_with_its_code_and_path(products, code, path):
    with pytest.raises(ValidationError) as refused:
        CatalogSync.model_validate({"products": products})
    [problem] = refused.value.errors(include_url=False)
    assert (problem["type"], json_path(tuple(problem["loc"]))) == (code, path)


async def test_an_order_takes_trackable_and_shippable_from_the_catalog(prepared):
    store = await prepared(synced)
    order = an_order("ORD-CAT", a_line("1", product_code="INSTALL", trackable=True),
                     a_line("2", product_code="PHONE-X", trackable=False),
                     a_line("3", product_code="UNKNOWN-TO-CATALOG", trackable=False),
                     shipping=SHIPPING)

    assert (await submit(store, order)).result["status"] == "acknowledged"

    items = (await view(store, "ORD-CAT"))["items"]
    assert [(i["trackable"], i["shippable"]) for i in items] == [
        (False, False), (True, True), (False, False)]


@pytest.mark.parametrize("line, shipping, refusal", [
    (a_line("1", product_code="PLAN-OLD"), None, [("line.product_retired",
                                                   "items[0].product_code")]),
    (a_line("1", product_code="PHONE-X"), None, [("order.shipping_missing", "shipping")]),
    (a_line("1", product_code="PLAN-OLD", action="update", asset_id="A-1"), None,
     [("line.asset_unknown", "items[0].asset_id")]),
])
async def test_an_order_the_catalog_forbids_is_refused(prepared, line, shipping, refusal):
    store = await prepared(synced)
    order = an_order("ORD-NO", line, **({"shipping": shipping} if shipping else {}))
    before = await store.snapshot()

    reply = await submit(store, order)

    assert errors(reply) == refusal
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}
