"""Section C over the real broker and both databases: held revisions beside the revision in
force, the order's history, and its v2 data end to end."""

import copy

import pytest

from demo.catalogue import ACCOUNT, family_plan_order, fulfilment
from hub.client import HubCaller
from hub.mappers.billing_xml import billing_xml_to_order

pytestmark = pytest.mark.integration


async def submit(caller: HubCaller, order: dict) -> dict:
    return (await caller.call("order.submit", order)).json()


async def report(caller: HubCaller, order_id: str, revision: int, status: str,
                 lines: list[str]) -> dict:
    return (await caller.call("fulfilment.status",
                              fulfilment(order_id, revision, lines, status))).json()


async def get(caller: HubCaller, order_id: str) -> dict:
    return (await caller.call("order.get", {"order_id": order_id})).json()


async def decide(caller: HubCaller, order_id: str, revision: int, decision: str) -> dict:
    return (await caller.call("order.approve", {
        "order_id": order_id, "revision": revision, "decision": decision,
        "approver": "sam.supervisor", "reason": "too expensive"})).json()


def expensive_revision(order_id: str) -> dict:
    """Revision 2 adds a phone and a line worth more than the approval threshold."""
    revision = family_plan_order(order_id, phones=2, revision=2)
    revision["items"][0]["price"] = {"one_time": "20000", "recurring": "59.00"}
    return revision


def line_ids(order: dict) -> list[str]:
    return [item["line_id"] for item in order["items"]]


async def test_a_held_revision_leaves_the_revision_in_force_working(hub, caller):
    first = family_plan_order("ORD-HOLD", phones=1)
    await submit(caller, first)
    await report(caller, "ORD-HOLD", 1, "in_progress", ["1"])

    held = await submit(caller, expensive_revision("ORD-HOLD"))

    assert {k: held["result"][k] for k in ("order_id", "revision", "status")} == {
        "order_id": "ORD-HOLD", "revision": 2, "status": "held"}
    view = (await get(caller, "ORD-HOLD"))["result"]
    assert (view["revision"], view["status"]) == (1, "in_progress")
    assert view["pending_revision"] == {"revision": 2, "status": "held"}
    assert line_ids(view) == line_ids(first)
    # provisioning carries on with revision 1, through its point of no return
    going = await report(caller, "ORD-HOLD", 1, "point_of_no_return", ["P1"])
    assert going["status"] == "accepted"
    on_held = await report(caller, "ORD-HOLD", 2, "in_progress", ["1"])
    assert [e["code"] for e in on_held["errors"]] == ["fulfilment.revision_held"]


async def test_approval_past_the_point_of_no_return_is_refused_and_rejection_keeps_revision_one(
        hub, caller):
    first = family_plan_order("ORD-LATE", phones=1)
    await submit(caller, first)
    await submit(caller, expensive_revision("ORD-LATE"))
    await report(caller, "ORD-LATE", 1, "point_of_no_return", ["1"])

    approval = await decide(caller, "ORD-LATE", 2, "approve")

    assert approval["status"] == "rejected"
    assert [e["code"] for e in approval["errors"]] == ["order.past_point_of_no_return"]
    assert (await get(caller, "ORD-LATE"))["result"]["pending_revision"]["revision"] == 2

    rejection = await decide(caller, "ORD-LATE", 2, "reject")

    assert rejection["result"]["status"] == "rejected"
    [event] = await caller.wait_for("order.revision_rejected", order_id="ORD-LATE")
    assert event.json()["data"]["revision_in_force"] == 1
    view = (await get(caller, "ORD-LATE"))["result"]
    assert (view["revision"], view["status"], view["pending_revision"]) == (
        1, "in_progress", None)
    assert {i["status"] for i in view["items"] if i["line_id"] == "1"} == {"point_of_no_return"}
    done = await report(caller, "ORD-LATE", 1, "completed", line_ids(first))
    assert done["result"]["status"] == "completed"
    assert [c["status"] for c in (await get(caller, "ORD-LATE"))["result"]["history"]] == [
        "acknowledged", "in_progress", "completed"]
    # the rejected revision never went downstream
    assert len(caller.matching("billing.order")) == 1
    assert caller.matching("order.rejected", order_id="ORD-LATE") == []


async def test_an_approved_held_revision_goes_in_force_with_what_it_changed(hub, caller):
    await submit(caller, family_plan_order("ORD-OK", phones=1))
    await submit(caller, expensive_revision("ORD-OK"))
    assert len(await caller.wait_for("billing.order")) == 1

    approval = await decide(caller, "ORD-OK", 2, "approve")

    assert approval["result"]["status"] == "acknowledged"
    view = (await get(caller, "ORD-OK"))["result"]
    assert (view["revision"], view["status"], view["pending_revision"]) == (
        2, "acknowledged", None)
    provisioning = await caller.wait_for("provisioning.order", count=2)
    assert provisioning[1].json()["changes"]["added"] == ["P2", "P2-VM", "P2-RM"]
    stale = await report(caller, "ORD-OK", 1, "in_progress", ["1"])
    assert [e["code"] for e in stale["errors"]] == ["fulfilment.revision_superseded"]


async def test_a_newer_revision_replaces_the_one_waiting_for_approval(hub, caller):
    await submit(caller, family_plan_order("ORD-NEXT", phones=1))
    await submit(caller, expensive_revision("ORD-NEXT"))

    third = await submit(caller, family_plan_order("ORD-NEXT", phones=3, revision=3))

    assert third["result"]["status"] == "acknowledged"
    view = (await get(caller, "ORD-NEXT"))["result"]
    assert (view["revision"], view["pending_revision"]) == (3, None)
    late = await decide(caller, "ORD-NEXT", 2, "approve")
    assert [e["code"] for e in late["errors"]] == ["order.not_held"]


def order_with_v2_data(order_id: str) -> dict:
    order = family_plan_order(order_id, phones=1)
    order["items"][1] |= {"service_account_id": "SA-HOME", "promised_date": "2026-12-04"}
    return order | {
        "quote_id": "Q-7", "opportunity_id": "OPP-9", "requested_date": "2026-12-01",
        "billing_account_id": "BA-PARENT", "credit_check_id": "CC-1",
        "shipping": {"address": {"name": "Anna Jansen", "street": "Dorpsstraat 1",
                                 "city": "Utrecht", "postal_code": "3511 AA", "country": "NL"},
                     "method": "courier"},
        "payment": {"method": "direct_debit"},
        "attachments": [{"name": "PO 4711", "media_type": "application/pdf",
                         "uri": "https://files.example.com/po/4711.pdf"}],
        "activities": [{"activity_id": "INST-1", "kind": "installation", "line_id": "INST",
                        "due": "2026-12-05T09:00:00+01:00", "status": "scheduled"}],
    }


async def test_the_order_data_goes_everywhere_it_is_needed(hub, caller):
    order = order_with_v2_data("ORD-V2")
    await submit(caller, order)

    view = (await get(caller, "ORD-V2"))["result"]
    assert {k: view[k] for k in ("quote_id", "opportunity_id", "requested_date",
                                 "billing_account_id", "service_account_id",
                                 "credit_check_id")} == {
        "quote_id": "Q-7", "opportunity_id": "OPP-9", "requested_date": "2026-12-01",
        "billing_account_id": "BA-PARENT", "service_account_id": ACCOUNT,
        "credit_check_id": "CC-1"}
    assert view["shipping"]["address"]["country"] == "NL"
    assert view["payment"] == {"method": "direct_debit", "authorization_id": None}
    assert view["attachments"][0]["uri"] == "https://files.example.com/po/4711.pdf"
    assert view["activities"] == [{"activity_id": "INST-1", "kind": "installation",
                                   "line_id": "INST", "due": "2026-12-05T09:00:00+01:00",
                                   "status": "scheduled"}]
    assert view["shipments"] == []
    assert [c["status"] for c in view["history"]] == ["acknowledged"]
    phone = view["items"][1]
    assert (phone["billing_account_id"], phone["service_account_id"],
            phone["promised_date"]) == ("BA-PARENT", "SA-HOME", "2026-12-04")
    [billing] = await caller.wait_for("billing.order")
    billed = billing_xml_to_order(billing.body)
    assert (billed.quote_id, billed.opportunity_id, str(billed.requested_date)) == (
        "Q-7", "OPP-9", "2026-12-01")
    assert [(i.billing_account_id, i.service_account_id) for i in billed.items[:2]] == [
        ("BA-PARENT", ACCOUNT), ("BA-PARENT", "SA-HOME")]
    [provisioning] = await caller.wait_for("provisioning.order")
    sent = provisioning.json()
    assert sent["activities"][0]["activity_id"] == "INST-1"
    assert sent["lines"][1]["service_account_id"] == "SA-HOME"


async def test_assets_start_when_their_line_completes_and_end_when_terminated(hub, caller):
    order = order_with_v2_data("ORD-DATES")
    await submit(caller, order)
    await report(caller, "ORD-DATES", 1, "completed", line_ids(order))
    [synced] = await caller.wait_for("asset.synced")
    today = synced.json()["occurred_at"][:10]
    trees = (await caller.call("asset.query", {"account_id": ACCOUNT})).json()["result"]
    [plan] = trees["assets"]
    [phone] = plan["children"]
    assert (plan["start_date"], plan["end_date"], plan["billing_account_id"],
            plan["service_account_id"]) == (today, None, "BA-PARENT", ACCOUNT)
    assert (phone["billing_account_id"], phone["service_account_id"]) == ("BA-PARENT",
                                                                         "SA-HOME")
    delete = {"order_id": "ORD-DATES-DEL", "revision": 1, "kind": "new",
              "account_id": ACCOUNT, "currency": "EUR",
              "submitted_at": "2026-12-10T09:00:00+00:00",
              "items": [{"line_id": "1", "action": "delete", "product_code": "PHONE-LINE",
                         "product_name": "Phone 1", "asset_id": phone["asset_id"]}]}
    await submit(caller, delete)
    await report(caller, "ORD-DATES-DEL", 1, "completed", ["1"])
    await caller.wait_for("asset.synced", count=2)
    billing = await caller.wait_for("billing.asset", count=2)
    assert b"<EndDate>" + today.encode() + b"</EndDate>" in billing[1].body


@pytest.mark.parametrize(("change", "code", "path"), [
    ({"requested_date": "2026-02-30"}, "date.invalid", "requested_date"),
    ({"shipping": {"address": {"name": "A", "street": "B", "city": "C", "postal_code": "1",
                               "country": "Holland"}}}, "country.invalid",
     "shipping.address.country"),
    ({"attachments": [{"name": "PO", "media_type": "application/pdf",
                       "uri": "file:///etc/passwd"}]}, "uri.invalid", "attachments[0].uri"),
    ({"attachments": [{"name": "PO", "media_type": "application/pdf",
                       "uri": "https://x.example/po.pdf", "sha256": "abc"}]},
     "attachment.sha256_invalid", "attachments[0].sha256"),
    ({"activities": [{"activity_id": "A", "kind": "installation", "line_id": "NOPE"}]},
     "activity.line_unknown", "activities[0].line_id"),
    ({"payment": {"method": "cash"}}, "payment.method_unknown", "payment.method"),
])
async def test_bad_order_data_is_refused_with_its_code_and_path_and_nothing_is_kept(
        hub, caller, change, code, path):
    order = copy.deepcopy(family_plan_order("ORD-BADV2", phones=1)) | change

    reply = await submit(caller, order)

    assert reply["status"] == "rejected"
    assert [(e["code"], e["path"]) for e in reply["errors"]] == [(code, path)]
    assert (await get(caller, "ORD-BADV2"))["errors"][0]["code"] == "order.unknown"
