"""Assets without a broker: the installed base fulfilment builds, its future state with the open
orders, its history, and the delta order to a wanted state."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from demo.catalogue import ACCOUNT, family_plan_order
from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.interfaces.assets.queries import delta_to_wanted, query_assets
from tests.unit.areas.steps import errors, line_ids, report, submit


async def assets(store, view: str = "current", as_of: datetime | None = None,
                 account_id: str = ACCOUNT) -> dict[str, Any]:
    query = AssetQuery(account_id=account_id, view=view, as_of=as_of)  # type: ignore[arg-type]
    reply = await query_assets(query, store.request("asset.query"), store.new_uow())
    assert (reply.status, reply.operation) == ("ok", "asset.query"), reply
    return reply.result


async def delta(store, wanted: list[dict], base: str = "current", account_id: str = ACCOUNT):
    request = DeltaRequest.model_validate({"account_id": account_id, "wanted": wanted,
                                           "base": base})
    return await delta_to_wanted(request, store.request("asset.delta"), store.new_uow())


def flatten(trees: list[dict]) -> dict[str, dict]:
    found = {}
    for tree in trees:
        found[tree["asset_id"]] = tree
        found |= flatten(tree["children"])
    return found


def modify(order_id: str, action: str, asset_id: str, **attributes: Any) -> dict:
    line = {"line_id": "1", "action": action, "asset_id": asset_id, "product_code": "ROAMING",
            "product_name": "Roaming", "attributes": copy.deepcopy(attributes)}
    return {"order_id": order_id, "revision": 1, "kind": "new", "account_id": ACCOUNT,
            "currency": "EUR", "submitted_at": "2026-12-01T10:00:00+00:00", "items": [line]}


async def fulfilled(store, order: dict) -> None:
    reply = await submit(store, order)
    assert reply.status == "accepted", reply
    done = await report(store, order["order_id"], order["revision"], line_ids(order),
                        "completed")
    assert done.result["status"] == "completed", done


async def one_phone(store) -> None:
    await fulfilled(store, family_plan_order("ORD-BASE", phones=1))


async def two_phones(store) -> None:
    await fulfilled(store, family_plan_order("ORD-BASE", phones=2))


async def test_an_account_without_assets_has_empty_trees_and_a_read_keeps_nothing(store):
    before = await store.snapshot()

    for view in ("current", "future"):
        assert await assets(store, view) == {"account_id": ACCOUNT, "view": view, "assets": [],
                                             "conflicts": []}

    assert await store.changes_since(before) == {}
    assert store.published == []


async def test_fulfilment_builds_asset_trees_and_the_query_answers_them(prepared):
    store = await prepared(two_phones)

    current = await assets(store)

    [plan] = current["assets"]
    assert (plan["asset_id"], plan["product_code"], plan["status"]) == (
        "ORD-BASE.1", "FAMILY-1500", "active")
    assert plan["from_order"] == {"order_id": "ORD-BASE", "revision": 1, "line_id": "1"}
    assert plan["start_date"] == datetime.now(UTC).date().isoformat()
    assert [p["asset_id"] for p in plan["children"]] == ["ORD-BASE.P1", "ORD-BASE.P2"]
    assert [c["product_code"] for c in plan["children"][0]["children"]] == ["ROAMING",
                                                                           "VOICEMAIL"]
    assert flatten([plan])["ORD-BASE.P1-RM"]["attributes"] == {"zone": "EU"}
    # no open order: the future is the present
    assert (await assets(store, "future"))["assets"] == current["assets"]


async def test_the_future_view_applies_open_orders_the_current_view_does_not(prepared):
    store = await prepared(one_phone)
    await submit(store, modify("ORD-MOD", "update", "ORD-BASE.P1-RM", zone="WORLD"))

    now = flatten((await assets(store))["assets"])
    future = await assets(store, "future")

    assert now["ORD-BASE.P1-RM"]["attributes"] == {"zone": "EU"}
    assert flatten(future["assets"])["ORD-BASE.P1-RM"]["attributes"] == {"zone": "WORLD"}
    assert future["conflicts"] == []


async def test_a_completed_update_changes_the_asset_in_place_and_tells_billing(prepared):
    store = await prepared(one_phone)
    since = len(store.published)

    await fulfilled(store, modify("ORD-MOD", "update", "ORD-BASE.P1-RM", zone="WORLD"))

    after = flatten((await assets(store))["assets"])["ORD-BASE.P1-RM"]
    assert after["attributes"] == {"zone": "WORLD"}
    assert after["from_order"] == {"order_id": "ORD-MOD", "revision": 1, "line_id": "1"}
    [synced] = store.events("asset.synced", since)
    assert synced["changes"] == [{"kind": "updated", "asset_id": "ORD-BASE.P1-RM",
                                  "line_id": "1"}]
    [billing] = store.sent("billing.asset", since)
    assert b"ORD-BASE.P1-RM" in billing.body and b"WORLD" in billing.body


async def test_a_completed_delete_terminates_the_asset_with_its_end_date(prepared):
    store = await prepared(one_phone)
    since = len(store.published)

    await fulfilled(store, modify("ORD-DEL", "delete", "ORD-BASE.P1-RM"))

    assert "ORD-BASE.P1-RM" not in flatten((await assets(store))["assets"])
    base = await store.read(lambda uow: uow.assets.installed_base(ACCOUNT))
    gone = base["ORD-BASE.P1-RM"]
    assert (gone.status, gone.end_date) == ("terminated", datetime.now(UTC).date())
    [billing] = store.sent("billing.asset", since)
    assert b"<EndDate>" + gone.end_date.isoformat().encode() + b"</EndDate>" in billing.body


async def test_the_installed_base_as_of_an_instant_is_the_one_recorded_then(store):
    before_any = datetime.now(UTC)
    await one_phone(store)
    before_change = datetime.now(UTC)
    await fulfilled(store, modify("ORD-MOD", "update", "ORD-BASE.P1-RM", zone="WORLD"))

    assert (await assets(store, as_of=before_any))["assets"] == []
    then = flatten((await assets(store, as_of=before_change))["assets"])
    assert then["ORD-BASE.P1-RM"]["attributes"] == {"zone": "EU"}
    now = flatten((await assets(store, as_of=datetime.now(UTC)))["assets"])
    assert now["ORD-BASE.P1-RM"]["attributes"] == {"zone": "WORLD"}


async def test_as_of_with_the_future_view_is_refused(store):
    query = AssetQuery(account_id=ACCOUNT, view="future", as_of=datetime.now(UTC))
    reply = await query_assets(query, store.request("asset.query"), store.new_uow())
    assert errors(reply) == [("asset.as_of_future_view", "as_of")]


async def test_two_open_orders_that_conflict_show_in_the_future_view(prepared):
    store = await prepared(one_phone)
    await submit(store, modify("ORD-F-A", "update", "ORD-BASE.P1-RM", zone="US"))
    await submit(store, modify("ORD-F-B", "update", "ORD-BASE.P1-RM", zone="ASIA"))
    revised = modify("ORD-F-A", "delete", "ORD-BASE.P1-RM") | {"revision": 2, "kind": "revision"}
    assert (await submit(store, revised)).status == "accepted"

    [conflict] = (await assets(store, "future"))["conflicts"]

    assert (conflict["code"], conflict["order_id"], conflict["asset_id"], conflict["line_id"]) == (
        "conflict.asset_deleted_by_earlier_order", "ORD-F-B", "ORD-BASE.P1-RM", "1")


async def test_an_order_changing_a_terminated_asset_is_refused(prepared):
    store = await prepared(one_phone)
    await fulfilled(store, modify("ORD-T-DEL", "delete", "ORD-BASE.P1-RM"))

    reply = await submit(store, modify("ORD-T-UPD", "update", "ORD-BASE.P1-RM", zone="US"))

    assert errors(reply) == [("line.asset_terminated", "items[0].asset_id")]


async def test_an_order_changing_what_an_open_order_disconnects_is_refused(prepared):
    store = await prepared(one_phone)
    await submit(store, modify("ORD-C-DEL", "delete", "ORD-BASE.P1-RM"))
    before = await store.snapshot()

    reply = await submit(store, modify("ORD-C-UPD", "update", "ORD-BASE.P1-RM", zone="US"))

    assert errors(reply) == [("line.asset_pending_disconnect", "items[0].asset_id")]
    assert "already been made to disconnect" in reply.errors[0].message
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}


async def test_a_delta_changes_one_attribute_and_leaves_the_rest_as_it_is(prepared):
    store = await prepared(two_phones)
    wanted = (await assets(store))["assets"]
    flatten(wanted)["ORD-BASE.P2-RM"]["attributes"]["zone"] = "WORLD"
    before = await store.snapshot()

    reply = await delta(store, wanted)

    assert (reply.status, reply.result["account_id"]) == ("ok", ACCOUNT)
    items = reply.result["items"]
    [update] = [i for i in items if i["action"] == "update"]
    assert (update["asset_id"], update["attributes"], update["old_attributes"]) == (
        "ORD-BASE.P2-RM", {"zone": "WORLD"}, {"zone": "EU"})
    assert {i["action"] for i in items} == {"update", "none"}
    assert await store.changes_since(before) == {}
    # the delta is an order the hub takes as it is
    placed = await submit(store, {"order_id": "ORD-MOD", "account_id": ACCOUNT,
                                  "currency": "EUR", "items": items,
                                  "submitted_at": "2026-12-20T10:00:00+00:00"})
    assert placed.result["status"] == "acknowledged"
    future = flatten((await assets(store, "future"))["assets"])
    assert future["ORD-BASE.P2-RM"]["attributes"] == {"zone": "WORLD"}


async def test_a_delta_that_drops_a_phone_deletes_it_with_its_options(prepared):
    store = await prepared(two_phones)
    wanted = (await assets(store))["assets"]
    wanted[0]["children"] = [c for c in wanted[0]["children"] if c["asset_id"] != "ORD-BASE.P2"]

    items = (await delta(store, wanted)).result["items"]

    assert sorted(i["asset_id"] for i in items if i["action"] == "delete") == [
        "ORD-BASE.P2", "ORD-BASE.P2-RM", "ORD-BASE.P2-VM"]


async def test_a_delta_on_the_future_base_is_taken_after_the_open_orders(prepared):
    store = await prepared(one_phone)
    await submit(store, modify("ORD-MOD", "update", "ORD-BASE.P1-RM", zone="WORLD"))
    wanted = (await assets(store, "future"))["assets"]

    on_future = (await delta(store, wanted, base="future")).result["items"]
    on_current = (await delta(store, wanted)).result["items"]

    assert {i["action"] for i in on_future} == {"none"}
    assert [i["asset_id"] for i in on_current if i["action"] == "update"] == ["ORD-BASE.P1-RM"]


def stranger(asset_id: str = "X-1", account_id: str = "ACC-OTHER") -> dict:
    return {"asset_id": asset_id, "account_id": account_id, "product_code": "PHONE-LINE",
            "product_name": "Phone"}


async def test_a_delta_with_assets_of_another_account_is_refused_where_they_are(store):
    ours = stranger("MINE", ACCOUNT) | {"children": [stranger("X-2")]}

    reply = await delta(store, [stranger(), ours])

    assert sorted(errors(reply)) == [("wanted.account_mismatch", "wanted[0].account_id"),
                                     ("wanted.account_mismatch",
                                      "wanted[1].children[0].account_id")]


@pytest.mark.parametrize("code", ["wanted.asset_repeated", "wanted.asset_moved",
                                  "wanted.parent_not_wanted"])
async def test_a_wanted_state_no_delta_order_can_reach_is_refused(prepared, code):
    store = await prepared(two_phones)
    wanted = (await assets(store))["assets"]
    phones = wanted[0]["children"]
    if code == "wanted.asset_repeated":
        phones[1]["children"].append(copy.deepcopy(phones[0]["children"][0]))
    elif code == "wanted.asset_moved":
        phones[1]["children"].append(phones[0]["children"].pop())
    else:
        phones[0]["status"] = "terminated"
    before = await store.snapshot()

    reply = await delta(store, wanted)

    assert {c for c, _ in errors(reply)} == {code}
    assert await store.changes_since(before) == {}


async def test_billing_hears_each_asset_change_of_a_completed_order(store):
    order = family_plan_order("ORD-B", phones=1)
    await fulfilled(store, order)

    [billing] = store.sent("billing.asset")

    assert billing.content_type == "application/xml"
    assert billing.body.count(b"<Kind>created</Kind>") == 4
    for asset_id in ("ORD-B.1", "ORD-B.P1", "ORD-B.P1-VM", "ORD-B.P1-RM"):
        assert f"<AssetId>{asset_id}</AssetId>".encode() in billing.body
