"""Orders without a broker: submission, approval, revisions and cancellation on the real store."""

import json

import pytest
from pydantic import ValidationError

from demo.catalogue import ACCOUNT, family_plan_order
from hub.canonical.orders import Order
from hub.errors import Rejected, error, json_path
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.orders.submission import submit_order
from hub.interfaces.rejections import record_rejection
from hub.mappers.billing_xml import billing_xml_to_changes, billing_xml_to_order
from tests.support.factories import a_line, an_order
from tests.support.memory_store import Store
from tests.unit.areas.steps import (
    POLICY,
    decide,
    errors,
    line_ids,
    report,
    submit,
    unknown_order,
    view,
)

RELEASED = ["billing.order", "provisioning.order", "notification.email", "order.accepted"]


def expensive_revision(order_id: str, phones: int = 2) -> dict:
    """A revision worth more than the approval threshold."""
    revision = family_plan_order(order_id, phones=phones, revision=2)
    revision["items"][0]["price"] = {"one_time": "20000", "recurring": "59.00"}
    return revision


async def revision_two_held(store: Store) -> None:
    """Revision 1 of ORD-HOLD in force, revision 2 held for approval beside it."""
    await submit(store, family_plan_order("ORD-HOLD", phones=1))
    await submit(store, expensive_revision("ORD-HOLD"))


def outcome(reply) -> dict:
    """A submit or approve result: ``{order_id, revision, status}`` and ``hold_reason`` only
    when there is one (never ``null``)."""
    assert None not in reply.result.values(), reply.result
    return reply.result


async def revision_row(store: Store, order_id: str, revision: int) -> tuple[str, set[str]]:
    """The stored status of one revision and of its lines."""
    async def read(uow) -> tuple[str, set[str]]:
        row = await uow.orders.revision(order_id, revision)
        return row.status, {line.status for line in await uow.orders.lines(order_id, revision)}
    return await store.read(read)


async def test_a_new_order_is_acknowledged_released_and_stored_in_one_transaction(store):
    order = family_plan_order("ORD-1", phones=1)
    before = await store.snapshot()
    request = store.request("order.submit", "sub-1", correlation_id="corr-1")

    reply = await submit_order(Order.model_validate(order), request, store.new_uow("corr-1"),
                               POLICY)

    assert (reply.status, reply.operation, reply.request_id) == ("accepted", "order.submit",
                                                                 "sub-1")
    assert reply.result == {"order_id": "ORD-1", "revision": 1, "status": "acknowledged"}
    assert store.routing_keys() == RELEASED
    assert {m.correlation_id for m in store.published} == {"corr-1"}
    [accepted] = store.events("order.accepted")
    assert accepted == {"order_id": "ORD-1", "revision": 1, "kind": "new", "account_id": ACCOUNT,
                        "status": "acknowledged", "partner_id": None, "acting_user": None,
                        "changes": None, "total": "117.99", "currency": "EUR"}
    [billing] = store.sent("billing.order")
    assert billing.content_type == "application/xml"
    billed = billing_xml_to_order(billing.body)
    assert (billed.order_id, [i.line_id for i in billed.items]) == ("ORD-1", line_ids(order))
    [provisioning] = store.sent("provisioning.order")
    sent = json.loads(provisioning.body)
    assert ([line["line_id"] for line in sent["lines"]], sent["changes"]) == (line_ids(order),
                                                                             None)
    [mail] = store.mails()
    assert (mail["to"], mail["kind"], mail["order_id"]) == ("anna.jansen@example.com",
                                                           "acknowledged", "ORD-1")
    assert await store.changes_since(before) == {
        "customer_mails": "+1", "inbox": "+1", "order_heads": "+1", "order_lines": "+5",
        "order_status_history": "+1", "orders": "+1", "outbox": "+4"}
    assert await store.stored_reply("sub-1") == reply
    shown = await view(store, "ORD-1")
    assert (shown["revision"], shown["status"], shown["pending_revision"]) == (
        1, "acknowledged", None)
    assert [(i["line_id"], i["status"]) for i in shown["items"]] == [
        (line_id, "acknowledged") for line_id in line_ids(order)]
    assert [h["status"] for h in shown["history"]] == ["acknowledged"]


async def test_reading_an_unknown_order_is_refused_and_remembers_nothing(store):
    before = await store.snapshot()
    assert await unknown_order(store, "NOPE")
    assert await store.changes_since(before) == {}


async def test_the_same_message_again_gets_the_same_reply_and_no_second_effect(store):
    first = await submit(store, an_order("ORD-TWICE"), message_id="dup-1")
    before, published = await store.snapshot(), len(store.published)

    second = await submit(store, an_order("ORD-TWICE"), message_id="dup-1")

    assert first.status == "accepted"
    assert second == first
    assert await store.changes_since(before) == {}
    assert len(store.published) == published


async def test_a_message_id_used_for_another_operation_is_refused_and_not_remembered(store):
    submitted = await submit(store, an_order("ORD-ID"), message_id="shared-id")
    before = await store.snapshot()

    reused = await decide(store, "ORD-ID", 1, message_id="shared-id")

    assert errors(reused) == [("request.message_id_reused", "message_id")]
    assert reused.operation == "order.approve"
    assert await store.changes_since(before) == {}
    assert await store.stored_reply("shared-id") == submitted


async def test_the_same_order_under_a_new_message_id_is_refused_as_existing(store):
    await submit(store, an_order("ORD-AGAIN"))
    before, since = await store.snapshot(), len(store.published)

    again = await submit(store, an_order("ORD-AGAIN"))

    assert errors(again) == [("order.exists", "order_id")]
    assert store.routing_keys(since) == ["order.rejected"]
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}


async def test_a_use_case_refused_after_it_wrote_keeps_nothing_of_it_but_its_answer(store):
    order = Order.model_validate(an_order("ORD-HALF"))

    async def half_done_then_refused(uow) -> tuple[str, dict]:
        uow.orders.add_head(order, "acknowledged")
        await uow.orders.add_revision(order, "acknowledged", line_status="acknowledged")
        uow.outbox.event("order.accepted", {"order_id": "ORD-HALF"})
        await uow.session.flush()
        raise Rejected(error("order.late_rule", "a rule only the stored order breaks", "items"))

    before = await store.snapshot()
    request = store.request("order.submit", "half-1")

    reply = await exactly_once(store.new_uow(), request, half_done_then_refused)

    assert errors(reply) == [("order.late_rule", "items")]
    assert await store.changes_since(before) == {"inbox": "+1"}
    assert store.published == []
    assert await unknown_order(store, "ORD-HALF")
    assert await store.stored_reply("half-1") == reply


BAD_ORDERS = {
    "order.no_items": ({"items": []}, "items"),
    "order.revision_invalid": ({"revision": 2}, "revision"),
    "line.duplicate_id": ({"items": [a_line("1"), a_line("1")]}, "items[0].line_id"),
    "line.parent_unknown": ({"items": [a_line("1", parent_line_id="9")]},
                            "items[0].parent_line_id"),
    "line.parent_cycle": ({"items": [a_line("1", parent_line_id="2"),
                                     a_line("2", parent_line_id="1")]},
                          "items[0].parent_line_id"),
    "line.asset_id_missing": ({"items": [a_line("1", action="update")]}, "items[0].asset_id"),
    "order.currency_mixed": ({"items": [a_line("1", price={"one_time": "1",
                                                           "currency": "USD"})]},
                             "items[0].price.currency"),
    "line.asset_unknown": ({"items": [a_line("1", action="delete", asset_id="NO-SUCH")]},
                           "items[0].asset_id"),
}


@pytest.mark.parametrize("code", sorted(BAD_ORDERS))
async def test_an_order_breaking_a_rule_is_refused_announced_and_leaves_nothing(store, code):
    change, path = BAD_ORDERS[code]
    order = an_order("ORD-BAD", **change)
    before = await store.snapshot()

    refused = await submit(store, order, message_id="bad-1")

    assert errors(refused)[0] == (code, path)
    [event] = store.events("order.rejected")
    assert (event["order_id"], event["revision"], event["account_id"], event["partner_id"]) == (
        "ORD-BAD", order["revision"], "ACC-42", None)
    assert [e["code"] for e in event["errors"]] == [c for c, _ in errors(refused)]
    assert store.routing_keys() == ["order.rejected"]
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}
    # the resend gets the refusal again, and the front office hears of it once
    assert await submit(store, order, message_id="bad-1") == refused
    assert len(store.events("order.rejected")) == 1


async def test_an_order_the_contract_refuses_is_answered_announced_and_remembered(store):
    body = an_order("ORD-UNREAD", a_line("1", action="upgrade"))
    with pytest.raises(ValidationError) as refused:
        Order.model_validate(body)
    problems = [error(e["type"], e["msg"], json_path(tuple(e["loc"])))
                for e in refused.value.errors(include_url=False)]
    request = store.request("order.submit", "unread-1")
    subject = {"order_id": "ORD-UNREAD", "account_id": "ACC-42"}
    before = await store.snapshot()

    reply = await record_rejection(store.new_uow(), request, problems, subject)

    assert errors(reply) == [("line.action_unknown", "items[0].action")]
    assert store.events("order.rejected") == [subject | {
        "errors": [e.model_dump() for e in reply.errors]}]
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}
    assert await record_rejection(store.new_uow(), request, problems, subject) == reply
    assert len(store.published) == 1


async def test_an_order_over_the_threshold_is_held_then_released_on_approval(store):
    big = an_order("ORD-BIG", a_line(price={"one_time": "20000", "recurring": "0"}))

    held = await submit(store, big)

    assert held.result == {"order_id": "ORD-BIG", "revision": 1, "status": "held"}
    assert store.routing_keys() == ["order.approval_requested"]
    assert store.events("order.approval_requested") == [{
        "order_id": "ORD-BIG", "revision": 1, "total": "20000", "currency": "EUR",
        "threshold": "10000", "hold_reason": "approval", "credit_shortfall": None}]
    shown = await view(store, "ORD-BIG")
    assert (shown["status"], [i["status"] for i in shown["items"]]) == ("held", ["held"])

    approved = await decide(store, "ORD-BIG", 1)

    assert outcome(approved) == {"order_id": "ORD-BIG", "revision": 1,
                                 "status": "acknowledged"}
    assert store.routing_keys(1) == RELEASED
    assert store.events("order.accepted")[0]["total"] == "20000"
    shown = await view(store, "ORD-BIG")
    assert (shown["status"], [i["status"] for i in shown["items"]]) == ("acknowledged",
                                                                       ["acknowledged"])
    assert [h["status"] for h in shown["history"]] == ["held", "acknowledged"]
    before = await store.snapshot()
    again = await decide(store, "ORD-BIG", 1)
    assert errors(again) == [("order.not_held", "revision")]
    assert await store.changes_since(before) == {"inbox": "+1"}


async def test_a_refused_approval_rejects_the_held_order_and_nothing_goes_downstream(store):
    await submit(store, an_order("ORD-NO", a_line(price={"one_time": "20000",
                                                          "recurring": "0"})))

    refused = await decide(store, "ORD-NO", 1, "reject", reason="credit check failed")

    assert outcome(refused) == {"order_id": "ORD-NO", "revision": 1, "status": "rejected"}
    [event] = store.events("order.rejected")
    assert [(e["code"], e["message"]) for e in event["errors"]] == [
        ("order.approval_refused", "credit check failed")]
    assert store.sent("billing.order") == store.sent("provisioning.order") == []
    shown = await view(store, "ORD-NO")
    assert (shown["status"], [i["status"] for i in shown["items"]]) == ("rejected",
                                                                       ["cancelled"])
    assert errors(await decide(store, "ORD-NO", 1)) == [("order.not_held", "revision")]


async def test_approving_an_order_that_does_not_exist_is_refused(store):
    before = await store.snapshot()
    assert errors(await decide(store, "GHOST", 1)) == [("order.unknown", "order_id")]
    assert await store.changes_since(before) == {"inbox": "+1"}
    assert store.published == []


async def test_a_revision_supersedes_the_one_in_force_and_says_what_changed(store):
    await submit(store, family_plan_order("ORD-FAM", phones=1))
    since = len(store.published)

    revised = await submit(store, family_plan_order("ORD-FAM", phones=2, revision=2))

    assert revised.result == {"order_id": "ORD-FAM", "revision": 2, "status": "acknowledged"}
    # the customer was told of the order once; the revision is not a second acknowledgement
    assert store.routing_keys(since) == ["order.revised", "billing.order", "provisioning.order",
                                         "order.accepted"]
    [event] = store.events("order.revised")
    assert event["changes"] == {"added": ["P2", "P2-VM", "P2-RM"], "removed": [],
                                "changed": []}
    billing = store.sent("billing.order", since)[0]
    assert billing_xml_to_changes(billing.body).added == ["P2", "P2-VM", "P2-RM"]
    sent = json.loads(store.sent("provisioning.order", since)[0].body)
    assert (sent["revision"], sent["changes"]["added"]) == (2, ["P2", "P2-VM", "P2-RM"])
    assert store.events("order.accepted")[1]["changes"]["added"] == ["P2", "P2-VM", "P2-RM"]
    shown = await view(store, "ORD-FAM")
    assert (shown["revision"], len(shown["items"]), shown["status"]) == (2, 8, "acknowledged")
    assert await revision_row(store, "ORD-FAM", 1) == ("superseded", {"superseded"})


async def test_a_revision_that_changes_a_line_lists_the_fields_it_changed(store):
    await submit(store, family_plan_order("ORD-CHG", phones=1))
    revision = family_plan_order("ORD-CHG", phones=1, revision=2)
    revision["items"][3]["attributes"] = {"zone": "WORLD"}

    await submit(store, revision)

    [event] = store.events("order.revised")
    assert event["changes"]["changed"] == [{"line_id": "P1-RM", "fields": [
        {"field": "attributes.zone", "old": "EU", "new": "WORLD"}]}]


@pytest.mark.parametrize(("change", "code", "path"), [
    ({"revision": 3}, "order.revision_not_next", "revision"),
    ({"account_id": "ACC-OTHER"}, "order.account_mismatch", "account_id"),
    ({"order_id": "ORD-GHOST"}, "order.unknown", "order_id"),
])
async def test_a_revision_out_of_turn_or_for_another_account_is_refused(store, change, code,
                                                                        path):
    await submit(store, family_plan_order("ORD-SEQ", phones=1))
    before = await store.snapshot()

    refused = await submit(store, family_plan_order("ORD-SEQ", phones=2, revision=2) | change)

    assert errors(refused) == [(code, path)]
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}
    assert (await view(store, "ORD-SEQ"))["revision"] == 1


async def test_a_held_revision_waits_beside_the_one_in_force_until_approved(store):
    await submit(store, family_plan_order("ORD-HOLD", phones=1))
    since = len(store.published)

    held = await submit(store, expensive_revision("ORD-HOLD"))

    assert held.result == {"order_id": "ORD-HOLD", "revision": 2, "status": "held"}
    assert store.routing_keys(since) == ["order.revised", "order.approval_requested"]
    shown = await view(store, "ORD-HOLD")
    assert (shown["revision"], shown["status"], shown["pending_revision"]) == (
        1, "acknowledged", {"revision": 2, "status": "held"})
    assert await revision_row(store, "ORD-HOLD", 2) == ("held", {"held"})

    approved = await decide(store, "ORD-HOLD", 2)

    assert approved.result["status"] == "acknowledged"
    shown = await view(store, "ORD-HOLD")
    assert (shown["revision"], shown["status"], shown["pending_revision"]) == (
        2, "acknowledged", None)
    sent = json.loads(store.sent("provisioning.order")[-1].body)
    assert (sent["revision"], sent["changes"]["added"]) == (2, ["P2", "P2-VM", "P2-RM"])
    assert await revision_row(store, "ORD-HOLD", 1) == ("superseded", {"superseded"})


async def test_a_rejected_held_revision_leaves_the_one_in_force_alone(prepared):
    store = await prepared(revision_two_held)
    billed = len(store.sent("billing.order"))

    rejected = await decide(store, "ORD-HOLD", 2, "reject", reason="too expensive")

    assert rejected.result["status"] == "rejected"
    [event] = store.events("order.revision_rejected")
    assert (event["revision"], event["revision_in_force"], event["status"]) == (
        2, 1, "acknowledged")
    assert store.events("order.rejected") == []
    assert len(store.sent("billing.order")) == billed
    shown = await view(store, "ORD-HOLD")
    assert (shown["revision"], shown["status"], shown["pending_revision"]) == (
        1, "acknowledged", None)
    assert await revision_row(store, "ORD-HOLD", 2) == ("rejected", {"cancelled"})


async def test_a_held_revision_cannot_be_approved_past_the_point_of_no_return(prepared):
    store = await prepared(revision_two_held)
    await report(store, "ORD-HOLD", 1, ["1"], "point_of_no_return")
    before = await store.snapshot()

    late = await decide(store, "ORD-HOLD", 2)

    assert errors(late) == [("order.past_point_of_no_return", "order_id")]
    assert await store.changes_since(before) == {"inbox": "+1"}
    assert (await view(store, "ORD-HOLD"))["pending_revision"] == {"revision": 2,
                                                                  "status": "held"}
    refused = await submit(store, family_plan_order("ORD-HOLD", phones=3, revision=3))
    assert errors(refused) == [("order.past_point_of_no_return", "order_id")]


async def test_a_newer_revision_replaces_the_one_waiting_for_approval(prepared):
    store = await prepared(revision_two_held)

    third = await submit(store, family_plan_order("ORD-HOLD", phones=3, revision=3))

    assert third.result == {"order_id": "ORD-HOLD", "revision": 3, "status": "acknowledged"}
    shown = await view(store, "ORD-HOLD")
    assert (shown["revision"], shown["pending_revision"]) == (3, None)
    assert await revision_row(store, "ORD-HOLD", 2) == ("superseded", {"superseded"})
    # what changed is told against the revision that was in force, not the one never approved
    assert store.events("order.revised")[1]["changes"]["added"] == [
        "P2", "P2-VM", "P2-RM", "P3", "P3-VM", "P3-RM"]
    assert errors(await decide(store, "ORD-HOLD", 2)) == [("order.not_held", "revision")]


async def test_a_cancellation_cancels_the_open_order_and_tells_downstream_what_goes(store):
    order = family_plan_order("ORD-CXL", phones=1)
    await submit(store, order)
    since = len(store.published)

    cancelled = await submit(store, family_plan_order("ORD-CXL", phones=0, revision=2)
                             | {"kind": "cancel", "items": []})

    assert cancelled.result == {"order_id": "ORD-CXL", "revision": 2, "status": "cancelled"}
    assert store.routing_keys(since) == ["billing.order", "provisioning.order",
                                         "order.cancelled"]
    assert store.events("order.cancelled") == [{"order_id": "ORD-CXL", "revision": 2,
                                                "account_id": ACCOUNT, "status": "cancelled"}]
    sent = json.loads(store.sent("provisioning.order", since)[0].body)
    assert (sent["kind"], sent["changes"]["removed"]) == ("cancel", line_ids(order))
    assert billing_xml_to_changes(store.sent("billing.order", since)[0].body).removed == (
        line_ids(order))
    shown = await view(store, "ORD-CXL")
    assert (shown["revision"], shown["status"], shown["items"]) == (2, "cancelled", [])
    assert await revision_row(store, "ORD-CXL", 1) == ("superseded", {"superseded"})
    late = await submit(store, family_plan_order("ORD-CXL", phones=1, revision=3))
    assert errors(late) == [("order.closed", "order_id")]
