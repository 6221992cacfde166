"""Scenarios 2-6 over the real broker and both databases: fulfilment, assets, delta orders,
future state and supplemental orders."""

import copy

import pytest

from demo.catalogue import ACCOUNT, family_plan_order, fulfilment
from hub.client import HubCaller
from hub.mappers.billing_xml import billing_xml_to_changes

pytestmark = pytest.mark.integration


def line_ids(order: dict) -> list[str]:
    return [item["line_id"] for item in order["items"]]


async def submit(caller: HubCaller, order: dict) -> dict:
    return (await caller.call("order.submit", order)).json()


async def fulfil(caller: HubCaller, order: dict, status: str = "completed",
                 lines: list[str] | None = None) -> dict:
    update = fulfilment(order["order_id"], order["revision"], lines or line_ids(order), status)
    return (await caller.call("fulfilment.status", update)).json()


async def assets(caller: HubCaller, view: str = "current") -> dict:
    reply = await caller.call("asset.query", {"account_id": ACCOUNT, "view": view})
    return reply.json()["result"]


def flatten(trees: list[dict]) -> dict[str, dict]:
    found = {}
    for tree in trees:
        found[tree["asset_id"]] = tree
        found |= flatten(tree["children"])
    return found


async def test_revision_two_supersedes_and_tells_downstream_what_changed(hub, caller):
    await submit(caller, family_plan_order("ORD-FAM", phones=3))
    revision = family_plan_order("ORD-FAM", phones=5, revision=2)

    reply = await submit(caller, revision)

    assert reply["result"] == {"order_id": "ORD-FAM", "revision": 2, "status": "acknowledged"}
    [revised] = await caller.wait_for("order.revised")
    added = revised.json()["data"]["changes"]["added"]
    assert added == ["P4", "P4-VM", "P4-RM", "P5", "P5-VM", "P5-RM"]
    billing = await caller.wait_for("billing.order", count=2)
    assert billing_xml_to_changes(billing[1].body).added == added
    provisioning = await caller.wait_for("provisioning.order", count=2)
    assert provisioning[1].json()["changes"]["added"] == added
    view = (await caller.call("order.get", {"order_id": "ORD-FAM"})).json()["result"]
    assert (view["revision"], len(view["items"])) == (2, 17)


async def test_completed_order_becomes_asset_trees_without_the_installation(hub, caller):
    order = family_plan_order("ORD-DONE", phones=3)
    await submit(caller, order)
    assert (await fulfil(caller, order, "in_progress"))["result"]["status"] == "in_progress"
    done = await fulfil(caller, order, "completed")

    assert done["result"]["status"] == "completed"
    await caller.wait_for("order.completed")
    [synced] = await caller.wait_for("asset.synced")
    assert len(synced.json()["data"]["changes"]) == 10
    await caller.wait_for("billing.asset")
    [plan] = (await assets(caller))["assets"]
    assert plan["product_code"] == "FAMILY-1500"
    assert [p["product_code"] for p in plan["children"]] == ["PHONE-LINE"] * 3
    assert {c["product_code"] for c in plan["children"][0]["children"]} == {"VOICEMAIL",
                                                                              "ROAMING"}
    assert "INSTALL" not in {a["product_code"] for a in flatten([plan]).values()}


async def test_partially_completed_order_applies_only_completed_lines(hub, caller):
    order = family_plan_order("ORD-PART", phones=1)
    await submit(caller, order)
    await fulfil(caller, order, "completed", ["1", "P1", "INST"])
    reply = await fulfil(caller, order, "failed", ["P1-VM", "P1-RM"])
    assert reply["result"]["status"] == "partial"
    codes = {a["product_code"] for a in flatten((await assets(caller))["assets"]).values()}
    assert codes == {"FAMILY-1500", "PHONE-LINE"}


async def test_delta_changes_one_phone_and_fulfilment_updates_the_asset_in_place(hub, caller):
    order = family_plan_order("ORD-BASE", phones=3)
    await submit(caller, order)
    await fulfil(caller, order)
    wanted = (await assets(caller))["assets"]
    roaming = flatten(wanted)["ORD-BASE.P2-RM"]
    roaming["attributes"]["zone"] = "WORLD"

    delta = (await caller.call("asset.delta", {"account_id": ACCOUNT, "wanted": wanted})).json()

    items = delta["result"]["items"]
    [update] = [i for i in items if i["action"] == "update"]
    assert update["asset_id"] == "ORD-BASE.P2-RM"
    assert (update["attributes"], update["old_attributes"]) == ({"zone": "WORLD"},
                                                                {"zone": "EU"})
    assert {i["action"] for i in items} == {"update", "none"}
    modify = {"order_id": "ORD-MOD", "account_id": ACCOUNT, "currency": "EUR",
              "submitted_at": "2026-12-20T10:00:00+00:00", "items": items}
    assert (await submit(caller, modify))["status"] == "accepted"
    future = flatten((await assets(caller, "future"))["assets"])
    assert future["ORD-BASE.P2-RM"]["attributes"]["zone"] == "WORLD"
    assert flatten((await assets(caller))["assets"])["ORD-BASE.P2-RM"]["attributes"][
        "zone"] == "EU"
    await fulfil(caller, modify | {"revision": 1})
    after = flatten((await assets(caller))["assets"])["ORD-BASE.P2-RM"]
    assert after["attributes"]["zone"] == "WORLD"
    assert after["from_order"]["order_id"] == "ORD-MOD"


async def test_delta_delete_terminates_the_phone_and_its_options(hub, caller):
    order = family_plan_order("ORD-DEL", phones=2)
    await submit(caller, order)
    await fulfil(caller, order)
    wanted = (await assets(caller))["assets"]
    wanted[0]["children"] = [c for c in wanted[0]["children"] if c["asset_id"] != "ORD-DEL.P2"]
    items = (await caller.call("asset.delta", {"account_id": ACCOUNT, "wanted": wanted})
             ).json()["result"]["items"]
    deleted = sorted(i["asset_id"] for i in items if i["action"] == "delete")
    assert deleted == ["ORD-DEL.P2", "ORD-DEL.P2-RM", "ORD-DEL.P2-VM"]
    disconnect = {"order_id": "ORD-DISC", "account_id": ACCOUNT, "currency": "EUR",
                  "submitted_at": "2026-12-20T10:00:00+00:00", "items": items}
    await submit(caller, disconnect)
    await fulfil(caller, disconnect | {"revision": 1})
    live = flatten((await assets(caller))["assets"])
    assert "ORD-DEL.P2" not in live and "ORD-DEL.P1" in live


async def test_revision_after_the_point_of_no_return_is_refused(hub, caller):
    order = family_plan_order("ORD-PONR", phones=1)
    await submit(caller, order)
    await fulfil(caller, order, "point_of_no_return", ["P1"])
    reply = await submit(caller, family_plan_order("ORD-PONR", phones=2, revision=2))
    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == "order.past_point_of_no_return"


@pytest.mark.parametrize(("revision", "code"), [(3, "order.revision_not_next"),
                                                (1, "order.revision_invalid")])
async def test_revisions_go_strictly_one_two_three(hub, caller, revision, code):
    await submit(caller, family_plan_order("ORD-SEQ", phones=1))
    bad = family_plan_order("ORD-SEQ", phones=2, revision=2) | {"revision": revision}
    assert (await submit(caller, bad))["errors"][0]["code"] == code


async def test_revision_of_an_unknown_or_completed_order_is_refused(hub, caller):
    unknown = await submit(caller, family_plan_order("ORD-GHOST", phones=1, revision=2))
    assert unknown["errors"][0]["code"] == "order.unknown"
    order = family_plan_order("ORD-CLOSED", phones=1)
    await submit(caller, order)
    await fulfil(caller, order)
    late = await submit(caller, family_plan_order("ORD-CLOSED", phones=2, revision=2))
    assert late["errors"][0]["code"] == "order.closed"


async def test_cancellation_cancels_the_open_order_and_tells_downstream(hub, caller):
    await submit(caller, family_plan_order("ORD-CXL", phones=1))
    cancel = family_plan_order("ORD-CXL", phones=0, revision=2) | {"kind": "cancel",
                                                                    "items": []}
    reply = await submit(caller, cancel)
    assert reply["result"]["status"] == "cancelled"
    await caller.wait_for("order.cancelled", order_id="ORD-CXL")
    provisioning = await caller.wait_for("provisioning.order", count=2)
    assert provisioning[1].json()["kind"] == "cancel"
    assert provisioning[1].json()["changes"]["removed"] == ["1", "P1", "P1-VM", "P1-RM", "INST"]
    again = await submit(caller, family_plan_order("ORD-CXL", phones=1, revision=3))
    assert again["errors"][0]["code"] == "order.closed"
    assert (await assets(caller, "future"))["assets"] == []


async def test_duplicate_and_late_fulfilment_updates_change_nothing(hub, caller):
    order = family_plan_order("ORD-DUP", phones=1)
    await submit(caller, order)
    first = await fulfil(caller, order)
    second = await fulfil(caller, order)
    late = await fulfil(caller, order, "in_progress")
    assert first["result"]["status"] == second["result"]["status"] == "completed"
    assert late["result"]["status"] == "completed"
    await caller.wait_for("asset.synced")
    view = (await caller.call("order.get", {"order_id": "ORD-DUP"})).json()["result"]
    assert {i["status"] for i in view["items"]} == {"completed"}
    assert len(caller.matching("asset.synced")) == 1
    assert len(caller.matching("order.completed")) == 1


@pytest.mark.parametrize(("change", "code"), [
    ({"order_id": "NOPE"}, "fulfilment.order_unknown"),
    ({"revision": 2}, "fulfilment.revision_unknown"),
    ({"lines": [{"line_id": "ZZ", "status": "completed"}]}, "fulfilment.line_unknown"),
    ({"lines": [{"line_id": "1", "status": "done"}]}, "fulfilment.status_unknown"),
    ({"system": "crm"}, "fulfilment.system_unknown"),
])
async def test_bad_fulfilment_update_is_rejected_with_a_code(hub, caller, change, code):
    order = family_plan_order("ORD-FBAD", phones=1)
    await submit(caller, order)
    update = fulfilment("ORD-FBAD", 1, ["1"], "completed") | change
    reply = (await caller.call("fulfilment.status", update)).json()
    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == code


async def test_update_line_for_a_terminated_asset_is_refused(hub, caller):
    order = family_plan_order("ORD-T", phones=1)
    await submit(caller, order)
    await fulfil(caller, order)
    delete = _modify("ORD-T-DEL", "delete", "ORD-T.P1-RM")
    await submit(caller, delete)
    await fulfil(caller, delete)
    reply = await submit(caller, _modify("ORD-T-UPD", "update", "ORD-T.P1-RM", zone="US"))
    assert reply["errors"][0]["code"] == "line.asset_terminated"
    assert reply["errors"][0]["path"] == "items[0].asset_id"


async def test_change_to_an_asset_an_open_order_disconnects_is_refused(hub, caller):
    order = family_plan_order("ORD-C", phones=1)
    await submit(caller, order)
    await fulfil(caller, order)
    await submit(caller, _modify("ORD-C-DEL", "delete", "ORD-C.P1-RM"))
    reply = await submit(caller, _modify("ORD-C-UPD", "update", "ORD-C.P1-RM", zone="US"))
    assert reply["errors"][0]["code"] == "line.asset_pending_disconnect"
    assert "already been made to disconnect" in reply["errors"][0]["message"]


async def test_future_state_reports_two_open_orders_that_conflict(hub, caller):
    order = family_plan_order("ORD-F", phones=1)
    await submit(caller, order)
    await fulfil(caller, order)
    await submit(caller, _modify("ORD-F-A", "update", "ORD-F.P1-RM", zone="US"))
    await submit(caller, _modify("ORD-F-B", "update", "ORD-F.P1-RM", zone="ASIA"))
    # order A's revision now disconnects what order B still updates
    revised = _modify("ORD-F-A", "delete", "ORD-F.P1-RM") | {"revision": 2, "kind": "revision"}
    assert (await submit(caller, revised))["status"] == "accepted"
    future = await assets(caller, "future")
    [conflict] = future["conflicts"]
    assert conflict["code"] == "conflict.asset_deleted_by_earlier_order"
    assert (conflict["order_id"], conflict["asset_id"]) == ("ORD-F-B", "ORD-F.P1-RM")


async def test_delta_with_assets_of_another_account_is_refused(hub, caller):
    stranger = {"asset_id": "X-1", "account_id": "ACC-OTHER", "product_code": "PHONE-LINE",
                "product_name": "Phone"}
    reply = (await caller.call("asset.delta", {"account_id": ACCOUNT, "wanted": [stranger]})
             ).json()
    assert reply["errors"][0]["code"] == "wanted.account_mismatch"


def _modify(order_id: str, action: str, asset_id: str, **attributes) -> dict:
    line = {"line_id": "1", "action": action, "asset_id": asset_id, "product_code": "ROAMING",
            "product_name": "Roaming", "attributes": copy.deepcopy(attributes)}
    return {"order_id": order_id, "revision": 1, "kind": "new", "account_id": ACCOUNT,
            "currency": "EUR", "submitted_at": "2026-12-01T10:00:00+00:00", "items": [line]}
