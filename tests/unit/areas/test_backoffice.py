"""The back office without a broker: what happens after the order (shipments, field activities)
and the order-entry checks, asked of the simulator's book in memory."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from hub.canonical.after_order import ActivityUpdate, ShipmentNotice
from hub.canonical.backoffice import (
    AvailabilityRequest,
    CreditCheckRequest,
    PaymentRequest,
    PriceRequest,
)
from hub.interfaces.backoffice.after_order import notify_shipment, update_activity
from hub.interfaces.backoffice.checks import (
    CheckValidity,
    authorize_payment,
    calculate_price,
    check_availability_of,
    check_credit,
)
from hub.interfaces.orders.submission import OrderPolicy
from tests.support.back_office import a_book
from tests.support.factories import a_line, an_order
from tests.support.memory_back_office import InMemoryBackOffice
from tests.unit.areas.steps import THRESHOLD, decide, errors, submit, view

VALIDITY = CheckValidity()


def phone_order(order_id: str) -> dict:
    return an_order(order_id, a_line("1"),
                    a_line("PH", product_code="PHONE-X", product_name="Phone X",
                           trackable=False, price={"one_time": "199.00", "recurring": "0"}),
                    a_line("INST", product_code="INSTALL", product_name="Installation",
                           trackable=False, price={"one_time": "49.00", "recurring": "0"}),
                    activities=[{"activity_id": "A-INST", "kind": "installation",
                                 "line_id": "INST"}],
                    shipping={"address": {"name": "Jo", "street": "Main St 1", "city": "Delft",
                                          "postal_code": "2611", "country": "NL"}})


async def phone_ordered(store) -> None:
    await submit(store, phone_order("ORD-PH"))


async def ship(store, order_id: str, shipment_id: str = "SHP-1", lines: list[str] | None = None,
               message_id: str | None = None):
    notice = ShipmentNotice.model_validate({
        "order_id": order_id, "shipment_id": shipment_id, "carrier": "PostNL",
        "tracking_id": "3SPOST123456789", "shipped_at": "2026-11-24T08:00:00+00:00",
        "lines": lines or ["PH"]})
    return await notify_shipment(notice, store.request("shipment.notify", message_id),
                                 store.new_uow())


async def move(store, order_id: str, status: str = "scheduled", activity_id: str = "A-INST",
               scheduled_for: str | None = "2026-11-28T09:00:00+01:00",
               note: str | None = "between 9 and 12"):
    update = ActivityUpdate.model_validate({
        "order_id": order_id, "activity_id": activity_id, "status": status,
        "scheduled_for": scheduled_for, "note": note})
    return await update_activity(update, store.request("activity.update"), store.new_uow())


# --- shipments ---------------------------------------------------------------------------

async def test_a_shipment_is_recorded_announced_mailed_and_shown(prepared):
    store = await prepared(phone_ordered)
    before, since = await store.snapshot(), len(store.published)

    reply = await ship(store, "ORD-PH")

    assert (reply.status, reply.result) == ("accepted", {
        "order_id": "ORD-PH", "revision": 1, "shipment_id": "SHP-1", "lines": ["PH"]})
    assert store.routing_keys(since) == ["order.shipped", "notification.email"]
    [shipped] = store.events("order.shipped")
    assert shipped == {"order_id": "ORD-PH", "revision": 1, "account_id": "ACC-42",
                       "shipment_id": "SHP-1", "carrier": "PostNL",
                       "tracking_id": "3SPOST123456789",
                       "shipped_at": "2026-11-24T08:00:00Z", "lines": ["PH"]}
    [mail] = store.mails(since)
    assert (mail["kind"], mail["to"]) == ("shipped", "jo@example.com")
    assert "3SPOST123456789" in mail["text"] and "Phone X" in mail["text"]
    assert await store.changes_since(before) == {"customer_mails": "+1", "inbox": "+1",
                                                 "outbox": "+2", "shipments": "+1"}
    assert [(s["shipment_id"], s["lines"]) for s in (await view(store, "ORD-PH"))[
        "shipments"]] == [("SHP-1", ["PH"])]


async def test_the_order_shows_the_instant_the_warehouse_told(prepared):
    store = await prepared(phone_ordered)
    notice = ShipmentNotice.model_validate({
        "order_id": "ORD-PH", "shipment_id": "SHP-1", "carrier": "PostNL",
        "tracking_id": "T-1", "shipped_at": "2026-11-24T08:00:00+01:00", "lines": ["PH"]})
    await notify_shipment(notice, store.request("shipment.notify"), store.new_uow())

    [shown] = (await view(store, "ORD-PH"))["shipments"]

    assert datetime.fromisoformat(shown["shipped_at"]) == notice.shipped_at


async def test_a_shipment_told_twice_is_shipped_and_mailed_once(prepared):
    store = await prepared(phone_ordered)
    first = await ship(store, "ORD-PH")
    before, since = await store.snapshot(), len(store.published)

    again = await ship(store, "ORD-PH")  # a new message about the same shipment

    assert again.result == first.result
    assert store.routing_keys(since) == []
    assert await store.changes_since(before) == {"inbox": "+1"}


async def held(store) -> None:
    big = phone_order("ORD-PH")
    big["items"][0]["price"] = {"one_time": "20000", "recurring": "0"}
    await submit(store, big)


async def shipped_elsewhere(store) -> None:
    await phone_ordered(store)
    await submit(store, phone_order("ORD-OTHER"))
    await ship(store, "ORD-OTHER", "SHP-9")


@pytest.mark.parametrize(("state", "order_id", "shipment_id", "lines", "refusal"), [
    (phone_ordered, "ORD-PH", "SHP-1", ["PH", "NOPE"], [("shipment.line_unknown", "lines[1]")]),
    (phone_ordered, "ORD-PH", "SHP-1", ["PH", "1", "PH"],
     [("line.duplicate_id", "lines[0]"), ("line.duplicate_id", "lines[2]")]),
    (phone_ordered, "NO-ORDER", "SHP-1", ["PH"], [("order.unknown", "order_id")]),
    (held, "ORD-PH", "SHP-1", ["PH"], [("shipment.order_not_open", "order_id")]),
    (shipped_elsewhere, "ORD-PH", "SHP-9", ["PH"], [("shipment.exists", "shipment_id")]),
])
async def test_a_shipment_the_hub_cannot_place_is_refused_and_changes_nothing(
        prepared, state, order_id, shipment_id, lines, refusal):
    store = await prepared(state)
    before, since = await store.snapshot(), len(store.published)

    reply = await ship(store, order_id, shipment_id, lines)

    assert errors(reply) == refusal
    assert store.routing_keys(since) == []
    assert await store.changes_since(before) == {"inbox": "+1"}


# --- field activities --------------------------------------------------------------------

async def test_an_installation_scheduled_is_announced_mailed_once_and_shown(prepared):
    store = await prepared(phone_ordered)
    since = len(store.published)

    reply = await move(store, "ORD-PH")
    moved = await move(store, "ORD-PH", scheduled_for="2026-11-29T09:00:00+01:00")

    assert reply.result == moved.result == {"order_id": "ORD-PH", "activity_id": "A-INST",
                                            "status": "scheduled"}
    assert store.routing_keys(since) == ["order.activity_updated", "notification.email",
                                         "order.activity_updated"]
    first, second = store.events("order.activity_updated")
    assert first == {"order_id": "ORD-PH", "revision": 1, "activity_id": "A-INST",
                     "kind": "installation", "line_id": "INST", "status": "scheduled",
                     "previous_status": "open", "scheduled_for": "2026-11-28T09:00:00+01:00",
                     "note": "between 9 and 12"}
    assert (second["previous_status"], second["scheduled_for"]) == (
        "scheduled", "2026-11-29T09:00:00+01:00")
    [mail] = store.mails(since)
    assert mail["kind"] == "installation_scheduled" and "2026-11-28" in mail["text"]
    assert [(a["activity_id"], a["status"]) for a in (await view(store, "ORD-PH"))[
        "activities"]] == [("A-INST", "scheduled")]


async def test_the_same_activity_news_again_is_answered_but_not_announced(prepared):
    store = await prepared(phone_ordered)
    await move(store, "ORD-PH", scheduled_for=None, note="date to follow")
    since = len(store.published)

    again = await move(store, "ORD-PH", scheduled_for=None, note="date to follow")

    assert again.result["status"] == "scheduled"
    assert store.routing_keys(since) == []


async def test_the_same_scheduled_time_again_is_not_announced_again(prepared):
    store = await prepared(phone_ordered)
    await move(store, "ORD-PH")
    since = len(store.published)

    await move(store, "ORD-PH")

    assert store.routing_keys(since) == []


async def test_a_closed_activity_stays_closed(prepared):
    store = await prepared(phone_ordered)
    await move(store, "ORD-PH", "done", scheduled_for=None, note=None)
    before = await store.snapshot()

    reopened = await move(store, "ORD-PH")

    assert errors(reopened) == [("activity.closed", "status")]
    assert await store.changes_since(before) == {"inbox": "+1"}
    assert (await view(store, "ORD-PH"))["activities"][0]["status"] == "done"


async def test_an_activity_the_order_does_not_declare_is_refused(prepared):
    store = await prepared(phone_ordered)
    before = await store.snapshot()

    assert errors(await move(store, "ORD-PH", activity_id="A-NOPE")) == [
        ("activity.unknown", "activity_id")]
    assert errors(await move(store, "NO-ORDER")) == [("order.unknown", "order_id")]
    assert await store.changes_since(before) == {"inbox": "+2"}


async def test_activities_of_a_rejected_order_are_refused(store):
    await held(store)
    await decide(store, "ORD-PH", 1, "reject", reason="no")

    assert errors(await move(store, "ORD-PH")) == [("activity.order_not_open", "order_id")]


# --- the order-entry checks, asked of the back office ------------------------------------

@pytest.fixture
def back_office() -> InMemoryBackOffice:
    return InMemoryBackOffice(a_book())


def credit(amount: str = "500.00", account_id: str = "ACC-42", **extra: Any):
    return CreditCheckRequest.model_validate({"account_id": account_id, "amount": amount,
                                              "currency": "EUR", **extra})


async def ask_credit(store, back_office, asked: CreditCheckRequest,
                     message_id: str | None = None):
    return await check_credit(asked, store.request("credit.check", message_id),
                              store.new_uow(), back_office, VALIDITY)


async def stored_checks(store) -> list[tuple[str, str, str, Decimal]]:
    from sqlalchemy import select

    from hub.store.backoffice_tables import CreditCheckRow

    async def read(uow) -> list[tuple[str, str, str, Decimal]]:
        rows = (await uow.session.execute(select(CreditCheckRow))).scalars()
        return [(r.check_id, r.account_id, r.decision, r.amount) for r in rows]
    return await store.read(read)


async def test_a_credit_check_is_forwarded_answered_kept_and_never_asked_twice(store,
                                                                               back_office):
    reply = await ask_credit(store, back_office, credit(order_id="ORD-CC"), "cc-1")

    assert reply.status == "accepted"
    result = reply.result
    assert (result["decision"], result["account_id"], result["amount"], result["currency"],
            result["reason"]) == ("approved", "ACC-42", "500.00", "EUR", None)
    assert result["check_id"].startswith("CC-") and result["valid_until"]
    [asked] = back_office.asked
    assert (asked.operation, asked.message_id, asked.body) == (
        "credit.check", "cc-1", {"account_id": "ACC-42", "amount": "500.00", "currency": "EUR",
                                 "order_id": "ORD-CC"})
    assert await stored_checks(store) == [(result["check_id"], "ACC-42", "approved",
                                           Decimal("500.00"))]
    before = await store.snapshot()
    assert await ask_credit(store, back_office, credit(order_id="ORD-CC"), "cc-1") == reply
    assert len(back_office.asked) == 1
    assert await store.changes_since(before) == {}
    assert store.published == []


@pytest.mark.parametrize(("amount", "decision"), [("1200.00", "review"), ("9000", "declined")])
async def test_credit_over_the_limit_is_reviewed_or_declined_and_kept(store, back_office,
                                                                      amount, decision):
    reply = await ask_credit(store, back_office, credit(amount))
    assert (reply.status, reply.result["decision"]) == ("accepted", decision)
    assert "limit" in reply.result["reason"]
    assert [d for _, _, d, _ in await stored_checks(store)] == [decision]


async def test_an_unavailable_back_office_is_not_remembered_so_a_resend_asks_again(
        store, back_office):
    back_office.down = True
    before = await store.snapshot()

    down = await ask_credit(store, back_office, credit(), "cc-down")

    assert errors(down) == [("backoffice.unavailable", None)]
    assert await store.changes_since(before) == {}
    back_office.down = False
    assert (await ask_credit(store, back_office, credit(), "cc-down")).status == "accepted"


async def test_an_unusable_answer_is_backoffice_invalid_and_not_remembered(store,
                                                                          back_office):
    back_office.garbled.add("credit.check")
    before = await store.snapshot()

    reply = await ask_credit(store, back_office, credit(), "cc-garbled")

    assert {code for code, _ in errors(reply)} == {"backoffice.invalid"}
    assert await store.changes_since(before) == {}
    back_office.garbled.clear()
    assert (await ask_credit(store, back_office, credit(), "cc-garbled")).status == "accepted"
    assert len(back_office.asked) == 2


async def test_a_refusal_by_the_back_office_comes_through_with_its_code_and_is_kept(
        store, back_office):
    back_office.book.answer = lambda op, req: {  # type: ignore[method-assign]
        "error": {"code": "credit.account_blocked", "message": "account is blocked"}}

    reply = await ask_credit(store, back_office, credit(), "cc-blocked")

    assert [e.model_dump() for e in reply.errors] == [
        {"code": "credit.account_blocked", "path": None, "message": "account is blocked"}]
    assert await stored_checks(store) == []
    assert await store.stored_reply("cc-blocked") == reply


async def test_availability_is_answered_per_line_with_dates(store, back_office):
    asked = AvailabilityRequest.model_validate({"items": [
        {"line_id": "1", "product_code": "PHONE-X", "quantity": 1},
        {"line_id": "2", "product_code": "ROUTER", "quantity": 1,
         "requested_date": "2026-11-30"}]})

    reply = await check_availability_of(asked, store.request("availability.check"),
                                        store.new_uow(), back_office)

    assert (reply.status, reply.result["lines"]) == ("ok", [
        {"line_id": "1", "product_code": "PHONE-X", "available_quantity": 2,
         "available_date": "2026-11-23"},
        {"line_id": "2", "product_code": "ROUTER", "available_quantity": 0,
         "available_date": "2026-12-03"}])


async def test_availability_asked_twice_for_a_line_is_refused_without_asking(store,
                                                                             back_office):
    asked = AvailabilityRequest.model_validate({"items": [
        {"line_id": "1", "product_code": "X", "quantity": 1},
        {"line_id": "1", "product_code": "Y", "quantity": 1}]})

    reply = await check_availability_of(asked, store.request("availability.check"),
                                        store.new_uow(), back_office)

    assert errors(reply) == [("line.duplicate_id", "items[0].line_id"),
                             ("line.duplicate_id", "items[1].line_id")]
    assert back_office.asked == []


async def test_availability_answered_for_other_lines_than_asked_is_backoffice_invalid(
        store, back_office):
    real = back_office.book.answer
    back_office.book.answer = lambda op, req: {  # type: ignore[method-assign]
        "lines": real(op, req)["lines"][:1]}
    asked = AvailabilityRequest.model_validate({"items": [
        {"line_id": "1", "product_code": "PHONE-X", "quantity": 1},
        {"line_id": "2", "product_code": "ROUTER", "quantity": 1}]})

    reply = await check_availability_of(asked, store.request("availability.check"),
                                        store.new_uow(), back_office)

    assert {code for code, _ in errors(reply)} == {"backoffice.invalid"}


async def test_the_price_has_tax_per_line_shipping_and_the_hubs_total(store, back_office):
    order = an_order("ORD-PRICE", a_line("1", price={"one_time": "100.00", "recurring": "0"}),
                     a_line("2", product_code="BOOK", price={"one_time": "10.00",
                                                             "recurring": "0"}))

    reply = await calculate_price(PriceRequest.model_validate({"order": order}),
                                  store.request("price.calculate"), store.new_uow(),
                                  back_office)

    assert (reply.status, reply.result) == ("ok", {
        "currency": "EUR", "lines": [{"line_id": "1", "tax": "21.00"},
                                     {"line_id": "2", "tax": "0.90"}],
        "tax_total": "21.90", "shipping": "0", "total": "131.90"})


async def authorize(store, back_office, amount: str, token: str = "tok_ok") -> str:
    asked = PaymentRequest(account_id="ACC-42", amount=Decimal(amount), currency="EUR",
                           card_token=token)
    reply = await authorize_payment(asked, store.request("payment.authorize"),
                                    store.new_uow(), back_office, VALIDITY)
    assert reply.status == "accepted", reply
    assert reply.result["decision"] == ("declined" if token == "tok_declined"
                                        else "authorized")
    return reply.result["authorization_id"]


def card_order(order_id: str, authorization_id: str | None) -> dict:
    payment = {"method": "card"} | ({"authorization_id": authorization_id}
                                    if authorization_id else {})
    return an_order(order_id, a_line("1", price={"one_time": "49.00", "recurring": "19.99"}),
                    payment=payment)


async def used_by(store, authorization_id: str) -> str | None:
    async def read(uow) -> str | None:
        return (await uow.backoffice.authorization(authorization_id)).used_by_order_id
    return await store.read(read)


async def test_a_card_order_needs_an_authorisation_covering_it_and_uses_it_once(store,
                                                                               back_office):
    enough = await authorize(store, back_office, "49.00")
    too_little = await authorize(store, back_office, "48.99")
    declined = await authorize(store, back_office, "49.00", token="tok_declined")
    for order_id, authorization in (("ORD-C1", None), ("ORD-C2", too_little),
                                    ("ORD-C3", declined), ("ORD-C4", "AU-MADE-UP")):
        refused = await submit(store, card_order(order_id, authorization))
        assert errors(refused) == [("payment.authorization_missing",
                                    "payment.authorization_id")], order_id

    accepted = await submit(store, card_order("ORD-C5", enough))

    assert accepted.result["status"] == "acknowledged"
    assert await used_by(store, enough) == "ORD-C5"
    assert await used_by(store, too_little) is None
    again = await submit(store, card_order("ORD-C6", enough))
    assert errors(again) == [("payment.authorization_missing", "payment.authorization_id")]
    assert "ORD-C5" in again.errors[0].message


async def test_an_order_refused_after_its_card_was_checked_leaves_the_card_unused(
        store, back_office):
    enough = await authorize(store, back_office, "49.00")
    await submit(store, an_order("ORD-TAKEN"))
    before = await store.snapshot()

    refused = await submit(store, card_order("ORD-TAKEN", enough))

    assert errors(refused) == [("order.exists", "order_id")]
    assert await used_by(store, enough) is None
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}


CREDIT_POLICY = OrderPolicy(approval_threshold=THRESHOLD, credit_check_above=Decimal(500))


def big_order(order_id: str, **overrides: Any) -> dict:
    return an_order(order_id, a_line("1", price={"one_time": "800.00", "recurring": "0"}),
                    **overrides)


async def test_an_order_over_the_credit_limit_without_a_check_waits_for_credit_review(store):
    held = await submit(store, big_order("ORD-NOCHECK"), policy=CREDIT_POLICY)

    assert held.result == {"order_id": "ORD-NOCHECK", "revision": 1, "status": "held",
                           "hold_reason": "credit_review"}
    [requested] = store.events("order.approval_requested")
    assert (requested["hold_reason"], requested["credit_shortfall"]) == (
        "credit_review", "no credit check the hub issued is named")
    approved = await decide(store, "ORD-NOCHECK", 1)
    assert approved.result["status"] == "acknowledged"


@pytest.mark.parametrize(("amount", "account", "goes_through"), [
    ("900.00", "ACC-42", True),     # approved, and enough
    ("700.00", "ACC-42", False),    # approved, but too little
    ("1400.00", "ACC-42", False),   # enough, but only in review
    ("90.00", "ACC-POOR", False),   # another account's
])
async def test_only_an_approved_check_covering_the_order_lets_it_through(
        store, back_office, amount, account, goes_through):
    check = await ask_credit(store, back_office, credit(amount, account))

    reply = await submit(store, big_order("ORD-CHECKED",
                                          credit_check_id=check.result["check_id"]),
                         policy=CREDIT_POLICY)

    assert reply.result["status"] == ("acknowledged" if goes_through else "held")
    assert reply.result.get("hold_reason") == (None if goes_through else "credit_review")


async def test_an_unknown_check_holds_the_order(store):
    reply = await submit(store, big_order("ORD-FAKE", credit_check_id="CC-MADE-UP"),
                         policy=CREDIT_POLICY)
    assert reply.result["hold_reason"] == "credit_review"
    assert store.events("order.approval_requested")[0]["credit_shortfall"] == (
        "the hub issued no credit check CC-MADE-UP")
