"""Fulfilment without a broker: what provisioning and billing report moves lines, the order and
the assets forward, and only forward."""

import pytest
from pydantic import ValidationError

from demo.catalogue import ACCOUNT, family_plan_order
from hub.canonical.fulfilment import FulfilmentUpdate
from hub.errors import error, json_path
from hub.interfaces.rejections import record_rejection
from hub.mappers.billing_xml import billing_xml_to_order
from tests.unit.areas.steps import decide, errors, line_ids, report, submit, view

BOTH = ("provisioning", "billing")


async def plain_order(store) -> None:
    """ORD-R, a family plan with one phone and its installation, acknowledged."""
    await submit(store, family_plan_order("ORD-R", phones=1))


ORDER = family_plan_order("ORD-R", phones=1)


async def installed(store, account_id: str = ACCOUNT) -> dict[str, tuple[str, str | None]]:
    """The account's assets as stored: id -> (product, parent)."""
    base = await store.read(lambda uow: uow.assets.installed_base(account_id))
    return {asset_id: (record.product_code, record.parent_asset_id)
            for asset_id, record in base.items() if record.is_live}


async def test_a_first_report_puts_the_order_in_progress_and_announces_it(prepared):
    store = await prepared(plain_order)
    since = len(store.published)

    reply = await report(store, "ORD-R", 1, ["1", "P1"], "in_progress")

    assert (reply.status, reply.result) == ("accepted", {"order_id": "ORD-R", "revision": 1,
                                                         "status": "in_progress"})
    assert store.routing_keys(since) == ["order.status_changed"]
    [event] = store.events("order.status_changed")
    assert event == {"order_id": "ORD-R", "revision": 1, "status": "in_progress",
                     "previous_status": "acknowledged", "system": "provisioning",
                     "lines": {"1": "in_progress", "P1": "in_progress", "P1-VM": "acknowledged",
                               "P1-RM": "acknowledged", "INST": "acknowledged"}}
    shown = await view(store, "ORD-R")
    assert {i["line_id"]: (i["status"], i["systems"]) for i in shown["items"]}["P1"] == (
        "in_progress", {"provisioning": "in_progress"})
    assert [h["status"] for h in shown["history"]] == ["acknowledged", "in_progress"]


async def test_a_completed_order_becomes_assets_and_the_customer_is_told(prepared):
    store = await prepared(plain_order)
    since = len(store.published)

    done = await report(store, "ORD-R", 1, line_ids(ORDER), "completed")

    assert done.result == {"order_id": "ORD-R", "revision": 1, "status": "completed"}
    assert store.routing_keys(since) == ["order.status_changed", "billing.asset",
                                         "asset.synced", "order.completed",
                                         "notification.email"]
    [synced] = store.events("asset.synced")
    assert (synced["account_id"], synced["order_id"], synced["problems"]) == (ACCOUNT,
                                                                             "ORD-R", [])
    # the installation is not trackable: it becomes no asset
    assert [(c["kind"], c["line_id"]) for c in synced["changes"]] == [
        ("created", line_id) for line_id in ("1", "P1", "P1-VM", "P1-RM")]
    assert store.events("order.completed") == [{"order_id": "ORD-R", "revision": 1,
                                                "status": "completed"}]
    assert [m["kind"] for m in store.mails(since)] == ["completed"]
    assert await installed(store) == {
        "ORD-R.1": ("FAMILY-1500", None), "ORD-R.P1": ("PHONE-LINE", "ORD-R.1"),
        "ORD-R.P1-VM": ("VOICEMAIL", "ORD-R.P1"),
        "ORD-R.P1-RM": ("ROAMING", "ORD-R.P1")}
    shown = await view(store, "ORD-R")
    assert {i["line_id"]: i["asset_id"] for i in shown["items"]} == {
        "1": "ORD-R.1", "P1": "ORD-R.P1", "P1-VM": "ORD-R.P1-VM",
        "P1-RM": "ORD-R.P1-RM", "INST": None}
    assert [h["status"] for h in shown["history"]] == ["acknowledged", "completed"]


async def test_an_order_with_failed_lines_is_partial_and_applies_completed_ones(prepared):
    store = await prepared(plain_order)
    await report(store, "ORD-R", 1, ["1", "P1", "INST"], "completed")

    partial = await report(store, "ORD-R", 1, ["P1-VM", "P1-RM"], "failed",
                           reason="no voicemail platform")

    assert partial.result["status"] == "partial"
    assert set(await installed(store)) == {"ORD-R.1", "ORD-R.P1"}
    [mail] = [m for m in store.mails() if m["kind"] == "failed"]
    assert "no voicemail platform" in mail["text"]
    assert store.events("order.completed")[0]["status"] == "partial"


async def test_reports_that_come_again_or_late_change_nothing(prepared):
    store = await prepared(plain_order)
    await report(store, "ORD-R", 1, line_ids(ORDER), "completed")
    before, since = await store.snapshot(), len(store.published)

    again = await report(store, "ORD-R", 1, line_ids(ORDER), "completed")
    late = await report(store, "ORD-R", 1, line_ids(ORDER), "in_progress")

    assert again.result["status"] == late.result["status"] == "completed"
    assert store.routing_keys(since) == []
    assert await store.changes_since(before) == {"inbox": "+2"}
    assert {i["status"] for i in (await view(store, "ORD-R"))["items"]} == {"completed"}


async def test_with_two_systems_a_line_completes_only_when_both_completed_it(prepared):
    store = await prepared(plain_order)

    billed = await report(store, "ORD-R", 1, line_ids(ORDER), "completed", system="billing",
                          systems=BOTH)

    assert billed.result["status"] == "in_progress"
    assert await installed(store) == {}
    assert store.events("asset.synced") == []
    shown = await view(store, "ORD-R")
    assert {(i["status"], tuple(i["systems"].items())) for i in shown["items"]} == {
        ("in_progress", (("billing", "completed"),))}

    provisioned = await report(store, "ORD-R", 1, line_ids(ORDER), "completed",
                               systems=BOTH)

    assert provisioned.result["status"] == "completed"
    assert (await view(store, "ORD-R"))["items"][0]["systems"] == {
        "billing": "completed", "provisioning": "completed"}
    assert len(store.events("asset.synced")) == len(store.events("order.completed")) == 1
    assert len(await installed(store)) == 4


async def test_with_two_systems_a_line_either_failed_is_failed(prepared):
    store = await prepared(plain_order)
    await report(store, "ORD-R", 1, line_ids(ORDER), "completed", systems=BOTH)

    failed = await report(store, "ORD-R", 1, line_ids(ORDER), "failed", system="billing",
                          systems=BOTH)

    assert failed.result["status"] == "failed"
    assert await installed(store) == {}


async def test_the_point_of_no_return_is_kept_and_closes_the_order_to_revisions(store):
    await submit(store, family_plan_order("ORD-PONR", phones=1))

    await report(store, "ORD-PONR", 1, ["P1"], "point_of_no_return")

    async def head(uow) -> tuple[str, bool]:
        row = await uow.orders.head("ORD-PONR")
        return row.status, row.point_of_no_return

    assert await store.read(head) == ("in_progress", True)
    revised = await submit(store, family_plan_order("ORD-PONR", phones=2, revision=2))
    assert errors(revised) == [("order.past_point_of_no_return", "order_id")]


async def test_an_asset_reported_by_provisioning_keeps_the_id_it_gave(store):
    await submit(store, family_plan_order("ORD-ID", phones=0))

    await report(store, "ORD-ID", 1, ["1"], "completed", asset_id="PRV-0001")
    await report(store, "ORD-ID", 1, ["INST"], "completed")

    assert await installed(store) == {"PRV-0001": ("FAMILY-1500", None)}
    [billing] = store.sent("billing.asset")
    assert b"PRV-0001" in billing.body


def expensive_revision(order_id: str) -> dict:
    revision = family_plan_order(order_id, phones=2, revision=2)
    revision["items"][0]["price"] = {"one_time": "20000", "recurring": "59.00"}
    return revision


async def held_revision(store) -> None:
    await submit(store, family_plan_order("ORD-R", phones=1))
    await submit(store, expensive_revision("ORD-R"))


async def superseded_revision(store) -> None:
    await held_revision(store)
    await decide(store, "ORD-R", 2)


async def held_order(store) -> None:
    big = family_plan_order("ORD-R", phones=1)
    big["items"][0]["price"] = {"one_time": "20000", "recurring": "0"}
    await submit(store, big)


async def cancelled_order(store) -> None:
    await submit(store, family_plan_order("ORD-R", phones=1))
    await submit(store, family_plan_order("ORD-R", phones=0, revision=2)
                 | {"kind": "cancel", "items": []})


@pytest.mark.parametrize(("state", "order_id", "revision", "lines", "refusal"), [
    (plain_order, "NOPE", 1, ["1"], [("fulfilment.order_unknown", "order_id")]),
    (plain_order, "ORD-R", 2, ["1"], [("fulfilment.revision_unknown", "revision")]),
    (plain_order, "ORD-R", 1, ["1", "ZZ", "P1", "YY"],
     [("fulfilment.line_unknown", "lines[1].line_id"),
      ("fulfilment.line_unknown", "lines[3].line_id")]),
    (held_revision, "ORD-R", 2, ["1"], [("fulfilment.revision_held", "revision")]),
    (superseded_revision, "ORD-R", 1, ["1"], [("fulfilment.revision_superseded", "revision")]),
    (held_order, "ORD-R", 1, ["1"], [("fulfilment.order_not_open", "order_id")]),
    (cancelled_order, "ORD-R", 2, [], [("fulfilment.order_not_open", "order_id")]),
])
async def test_a_report_the_hub_cannot_place_is_refused_and_changes_nothing(
        prepared, state, order_id, revision, lines, refusal):
    store = await prepared(state)
    before, since = await store.snapshot(), len(store.published)

    reply = await report(store, order_id, revision, lines or ["1"], "completed")

    assert errors(reply) == refusal
    assert store.routing_keys(since) == []
    assert await store.changes_since(before) == {"inbox": "+1"}


@pytest.mark.parametrize(("change", "code", "path"), [
    ({"system": "crm"}, "fulfilment.system_unknown", "system"),
    ({"lines": [{"line_id": "1", "status": "done"}]}, "fulfilment.status_unknown",
     "lines[0].status"),
    ({"lines": []}, "too_short", "lines"),
])
async def test_a_report_the_contract_refuses_is_answered_once_and_changes_nothing(
        prepared, change, code, path):
    store = await prepared(plain_order)
    body = {"order_id": "ORD-R", "revision": 1, "system": "provisioning",
            "lines": [{"line_id": "1", "status": "completed"}]} | change
    with pytest.raises(ValidationError) as refused:
        FulfilmentUpdate.model_validate(body)
    problems = [error(e["type"], e["msg"], json_path(tuple(e["loc"])))
                for e in refused.value.errors(include_url=False)]
    before, since = await store.snapshot(), len(store.published)
    request = store.request("fulfilment.status", "bad-report")

    reply = await record_rejection(store.new_uow(), request, problems, {"order_id": "ORD-R"})

    assert errors(reply) == [(code, path)]
    assert await store.changes_since(before) == {"inbox": "+1"}
    assert store.routing_keys(since) == []
    assert await record_rejection(store.new_uow(), request, problems, {}) == reply
    assert (await view(store, "ORD-R"))["status"] == "acknowledged"


async def test_billing_hears_the_order_it_will_charge_with_the_accounts_in_force(store):
    order = family_plan_order("ORD-BILL", phones=1) | {"billing_account_id": "BA-PARENT"}
    await submit(store, order)

    [billing] = store.sent("billing.order")

    billed = billing_xml_to_order(billing.body)
    assert {(i.billing_account_id, i.service_account_id) for i in billed.items} == {
        ("BA-PARENT", ACCOUNT)}
