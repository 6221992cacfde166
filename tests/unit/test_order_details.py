"""The order's v2 data (accounts, dates, shipping, payment, attachments, activities) is validated."""

import pytest
from pydantic import BaseModel, ValidationError

from hub.canonical.orders import Order
from hub.orders.rules import check_order
from hub.routes.policy import errors_of
from tests.support.factories import a_line, an_order

DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class Handler(BaseModel):
    order: Order


def errors(order: dict) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationError) as caught:
        Handler.model_validate({"order": order})
    return [(e.code, e.path) for e in errors_of(caught.value)]


def a_full_order(**overrides) -> dict:
    return an_order(
        "O-FULL", a_line("1", billing_account_id="BA-2", promised_date="2026-12-01"), a_line("2"),
        quote_id="Q-7", opportunity_id="OPP-1", requested_date="2026-12-05",
        billing_account_id="BA-1", service_account_id="SA-1", credit_check_id="CC-1",
        shipping={"address": {"name": "Jo Doe", "street": "Main St 1", "city": "Berlin",
                              "postal_code": "10115", "country": "DE"}, "method": "express"},
        payment={"method": "card", "authorization_id": "AUTH-1"},
        attachments=[{"name": "PO 4711", "media_type": "application/pdf",
                      "uri": "https://files.example.com/po-4711.pdf", "sha256": DIGEST,
                      "size_bytes": 120_000}],
        activities=[{"activity_id": "ACT-1", "kind": "installation", "line_id": "1",
                     "due": "2026-12-06T08:00:00+01:00", "status": "open"}],
    ) | overrides


def test_a_v1_order_gets_its_accounts_from_account_id():
    order = Order.model_validate(an_order("O-V1", a_line("1")))
    assert (order.billing_account(), order.service_account()) == ("ACC-42", "ACC-42")
    [line] = order.items_with_accounts()
    assert (line.billing_account_id, line.service_account_id) == ("ACC-42", "ACC-42")
    assert order.shipping is None and order.attachments == [] and order.activities == []


def test_lines_default_to_the_order_accounts_and_may_name_their_own():
    order = Order.model_validate(a_full_order())
    first, second = order.items_with_accounts()
    assert (first.billing_account_id, first.service_account_id) == ("BA-2", "SA-1")
    assert (second.billing_account_id, second.service_account_id) == ("BA-1", "SA-1")
    assert str(first.promised_date) == "2026-12-01" and str(order.requested_date) == "2026-12-05"
    assert check_order(order) == []


@pytest.mark.parametrize("value", ["2026-02-30", "05.12.2026", "2026-12-05T00:00:00Z", 20261205,
                                   ""])
def test_a_requested_date_must_be_a_calendar_date(value):
    assert errors(a_full_order(requested_date=value)) == [("date.invalid", "requested_date")]


def test_a_promised_date_is_checked_on_its_line():
    order = an_order("O-D", a_line("1"), a_line("2", promised_date="2026-13-01"))
    assert errors(order) == [("date.invalid", "items[1].promised_date")]


@pytest.mark.parametrize("country", ["de", "DEU", "XX", "", 49])
def test_a_shipping_country_must_be_an_iso_3166_code(country):
    order = a_full_order()
    order["shipping"]["address"]["country"] = country
    assert errors(order) == [("country.invalid", "shipping.address.country")]


def test_an_address_needs_every_part():
    order = a_full_order()
    del order["shipping"]["address"]["city"]
    assert errors(order) == [("request.field_missing", "shipping.address.city")]


def test_a_payment_method_is_one_of_three():
    assert errors(a_full_order(payment={"method": "cash"})) == [
        ("payment.method_unknown", "payment.method")]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("uri", "ftp://files.example.com/x.pdf", "uri.invalid"),
    ("uri", "files.example.com/x.pdf", "uri.invalid"),
    ("uri", "https://files.example.com/a b.pdf", "uri.invalid"),
    ("uri", "https://x.example/" + "a" * 2000, "uri.invalid"),
    ("sha256", DIGEST.upper(), "attachment.sha256_invalid"),
    ("sha256", DIGEST[:-1], "attachment.sha256_invalid"),
    ("media_type", "pdf", "attachment.media_type_invalid"),
    ("size_bytes", -1, "attachment.size_invalid"),
    ("size_bytes", 50 * 1024 * 1024 + 1, "attachment.size_invalid"),
    ("size_bytes", "12", "attachment.size_invalid"),
])
def test_an_attachment_is_checked_field_by_field(field, value, code):
    order = a_full_order()
    order["attachments"][0][field] = value
    assert errors(order) == [(code, f"attachments[0].{field}")]


def test_too_many_attachments_are_refused():
    order = a_full_order()
    order["attachments"] = order["attachments"] * 21
    assert errors(order) == [("request.field_invalid", "attachments")]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("kind", "digging", "activity.kind_unknown"),
    ("status", "late", "activity.status_unknown"),
    ("due", "2026-12-06T08:00:00", "request.field_invalid"),
])
def test_an_activity_is_checked_field_by_field(field, value, code):
    order = a_full_order()
    order["activities"][0][field] = value
    assert errors(order) == [(code, f"activities[0].{field}")]


def test_an_activity_must_name_a_line_of_the_order_and_have_its_own_id():
    order = Order.model_validate(a_full_order(activities=[
        {"activity_id": "A", "kind": "delivery", "line_id": "9"},
        {"activity_id": "A", "kind": "porting"},
    ]))
    assert [(e.code, e.path) for e in check_order(order)] == [
        ("activity.duplicate_id", "activities[0].activity_id"),
        ("activity.line_unknown", "activities[0].line_id"),
        ("activity.duplicate_id", "activities[1].activity_id"),
    ]
