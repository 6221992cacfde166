"""asset.query as_of (the installed base as recorded then) and asset.delta on the future
state, over the real broker and both databases."""

from datetime import UTC, datetime

import pytest

from demo.catalogue import ACCOUNT, family_plan_order, fulfilment
from hub.client import HubCaller

pytestmark = pytest.mark.integration


async def fulfil(caller: HubCaller, order: dict) -> None:
    lines = [item["line_id"] for item in order["items"]]
    update = fulfilment(order["order_id"], order["revision"], lines, "completed")
    assert (await caller.call("fulfilment.status", update)).json()["status"] == "accepted"


async def query(caller: HubCaller, **fields) -> dict:
    return (await caller.call("asset.query", {"account_id": ACCOUNT} | fields)).json()


def flatten(trees: list[dict]) -> dict[str, dict]:
    found = {}
    for tree in trees:
        found[tree["asset_id"]] = tree
        found |= flatten(tree["children"])
    return found


def change_order(order_id: str, phone: dict, **changes) -> dict:
    return {"order_id": order_id, "revision": 1, "kind": "new", "account_id": ACCOUNT,
            "currency": "EUR", "submitted_at": "2026-12-01T09:00:00+00:00",
            "items": [{"line_id": "1", "action": "update", "product_code": "PHONE-LINE",
                       "product_name": "Phone 1", "asset_id": phone["asset_id"], **changes}]}


async def test_as_of_answers_the_installed_base_as_recorded_at_each_instant(hub, caller):
    before_anything = datetime.now(UTC).isoformat()
    order = family_plan_order("ORD-HIST", phones=1)
    await caller.call("order.submit", order)
    await fulfil(caller, order)
    moments, accounts = [], []
    # the phone's billing account changes again and again
    for n in range(4):
        moments.append(datetime.now(UTC).isoformat())
        phone = flatten((await query(caller))["result"]["assets"])["ORD-HIST.P1"]
        accounts.append(phone["billing_account_id"])
        change = change_order(f"ORD-BA-{n}", phone, billing_account_id=f"BA-{n}")
        assert (await caller.call("order.submit", change)).json()["status"] == "accepted"
        await fulfil(caller, change)

    assert (await query(caller, as_of=before_anything))["result"]["assets"] == []
    for moment, account in zip(moments, accounts, strict=True):
        then = flatten((await query(caller, as_of=moment))["result"]["assets"])
        assert then["ORD-HIST.P1"]["billing_account_id"] == account
    now = flatten((await query(caller, as_of=datetime.now(UTC).isoformat()))["result"]["assets"])
    assert now["ORD-HIST.P1"]["billing_account_id"] == "BA-3"
    assert accounts == [ACCOUNT, "BA-0", "BA-1", "BA-2"]


async def test_as_of_with_the_future_view_or_without_a_zone_is_refused(hub, caller):
    future = await query(caller, view="future", as_of=datetime.now(UTC).isoformat())
    assert [(e["code"], e["path"]) for e in future["errors"]] == [
        ("asset.as_of_future_view", "as_of")]
    naive = await query(caller, as_of="2026-11-23T09:00:00")
    assert [(e["code"], e["path"]) for e in naive["errors"]] == [
        ("request.field_invalid", "as_of")]


async def test_a_delta_on_the_future_base_builds_on_the_open_orders(hub, caller):
    order = family_plan_order("ORD-FUT", phones=1)
    await caller.call("order.submit", order)
    await fulfil(caller, order)
    # an open order adds a second phone; the customer already wants its roaming changed
    more = family_plan_order("ORD-FUT-2", phones=2)
    more["items"] = [{**item, "parent_line_id": None, "action": "none",
                      "asset_id": "ORD-FUT.1"} if item["line_id"] == "1" else item
                     for item in more["items"] if item["line_id"] in {"1", "P2", "P2-VM",
                                                                      "P2-RM"}]
    more["activities"] = []  # the installation is not ordered again
    submitted = (await caller.call("order.submit", more)).json()
    assert submitted["status"] == "accepted", submitted["errors"]
    future = (await query(caller, view="future"))["result"]["assets"]
    wanted = flatten(future)
    wanted["ORD-FUT-2.P2-RM"]["attributes"]["zone"] = "WORLD"

    current = (await caller.call("asset.delta", {"account_id": ACCOUNT, "wanted": future}))
    on_future = (await caller.call("asset.delta", {"account_id": ACCOUNT, "wanted": future,
                                                   "base": "future"})).json()

    # against the current base the second phone is not there yet: it would be added twice
    assert {i["action"] for i in current.json()["result"]["items"]} >= {"add"}
    changed = [i for i in on_future["result"]["items"] if i["action"] != "none"]
    assert [(i["action"], i["asset_id"], i["attributes"]) for i in changed] == [
        ("update", "ORD-FUT-2.P2-RM", {"zone": "WORLD"})]
    delta = {"order_id": "ORD-FUT-3", "revision": 1, "kind": "new", "account_id": ACCOUNT,
             "currency": "EUR", "submitted_at": "2026-12-02T09:00:00+00:00",
             "items": on_future["result"]["items"]}
    assert (await caller.call("order.submit", delta)).json()["status"] == "accepted"
    await fulfil(caller, more)
    await fulfil(caller, delta)
    roaming = flatten((await query(caller))["result"]["assets"])["ORD-FUT-2.P2-RM"]
    assert roaming["attributes"]["zone"] == "WORLD"


async def test_an_unknown_delta_base_is_refused(hub, caller):
    reply = (await caller.call("asset.delta", {"account_id": ACCOUNT, "wanted": [],
                                               "base": "tomorrow"})).json()
    assert [(e["code"], e["path"]) for e in reply["errors"]] == [("delta.base_unknown", "base")]
