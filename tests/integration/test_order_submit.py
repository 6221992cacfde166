"""order.submit and order.get over the real broker and both databases."""

import asyncio

import pytest

from hub.canonical.orders import Order
from hub.client import HubCaller
from hub.mappers.billing_xml import billing_xml_to_order
from tests.support.factories import a_line, an_order
from tests.support.hubs import dead_letters

pytestmark = pytest.mark.integration


async def test_good_order_is_accepted_billed_provisioned_and_announced(hub, caller: HubCaller):
    order = an_order("ORD-GOOD", a_line("1"), a_line("2", parent_line_id="1",
                                                   product_code="VOICEMAIL",
                                                   product_name="Voicemail"))
    reply = await caller.call("order.submit", order, correlation_id="corr-1")

    assert reply.type == "order.submit.reply"
    assert reply.correlation_id == "corr-1"
    assert reply.json()["status"] == "accepted"
    assert reply.json()["result"] == {"order_id": "ORD-GOOD", "revision": 1,
                                      "status": "acknowledged"}
    [billing] = await caller.wait_for("billing.order")
    assert billing.content_type == "application/xml"
    # billing hears the accounts in force: the order's account where the order names none
    accounts = {"billing_account_id": "ACC-42", "service_account_id": "ACC-42"}
    assert billing_xml_to_order(billing.body) == Order.model_validate(
        order | accounts | {"items": [item | accounts for item in order["items"]]})
    [provisioning] = await caller.wait_for("provisioning.order")
    assert [line["line_id"] for line in provisioning.json()["lines"]] == ["1", "2"]
    [accepted] = await caller.wait_for("order.accepted")
    assert accepted.correlation_id == "corr-1"
    assert accepted.json()["correlation_id"] == "corr-1"
    assert accepted.json()["data"]["order_id"] == "ORD-GOOD"
    [mail] = await caller.wait_for("notification.email")
    assert mail.json()["to"] == "jo@example.com"


async def test_order_get_returns_the_latest_revision_with_line_status(hub, caller):
    await caller.call("order.submit", an_order("ORD-GET"))
    reply = (await caller.call("order.get", {"order_id": "ORD-GET"})).json()
    assert reply["status"] == "ok"
    assert reply["result"]["status"] == "acknowledged"
    assert [i["status"] for i in reply["result"]["items"]] == ["acknowledged"]


async def test_order_get_of_an_unknown_order_is_rejected(hub, caller):
    reply = (await caller.call("order.get", {"order_id": "NOPE"})).json()
    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == "order.unknown"


async def test_same_message_id_twice_gets_the_same_answer_and_one_effect(hub, caller):
    order = an_order("ORD-TWICE")
    first = await caller.call("order.submit", order, message_id="dup-1")
    second = await caller.call("order.submit", order, message_id="dup-1")
    assert first.json() == second.json()
    assert first.json()["status"] == "accepted"
    await caller.wait_for("order.accepted", order_id="ORD-TWICE")
    # a later order as a marker: the relay publishes in commit order, so a second effect of
    # the resend (committed before its reply came) would be seen before the marker's
    await caller.call("order.submit", an_order("ORD-MARKER"))
    await caller.wait_for("order.accepted", order_id="ORD-MARKER")
    await _billed(caller, "ORD-MARKER")
    assert len(caller.matching("order.accepted", order_id="ORD-TWICE")) == 1
    assert len([m for m in caller.matching("billing.order") if b"ORD-TWICE" in m.body]) == 1


async def test_same_order_under_a_new_message_id_is_refused_as_existing(hub, caller):
    await caller.call("order.submit", an_order("ORD-AGAIN"))
    reply = (await caller.call("order.submit", an_order("ORD-AGAIN"))).json()
    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == "order.exists"


async def test_order_over_the_threshold_is_held_then_released_on_approval(hub, caller):
    big = an_order("ORD-BIG", a_line(price={"one_time": "20000", "recurring": "0"}))
    held = (await caller.call("order.submit", big)).json()
    assert held["result"]["status"] == "held"
    await caller.wait_for("order.approval_requested", order_id="ORD-BIG")
    assert caller.matching("billing.order") == []

    decision = {"order_id": "ORD-BIG", "revision": 1, "decision": "approve",
                "approver": "sam.supervisor"}
    approved = (await caller.call("order.approve", decision)).json()
    assert approved["result"]["status"] == "acknowledged"
    await caller.wait_for("billing.order")
    await caller.wait_for("order.accepted", order_id="ORD-BIG")


async def test_refused_approval_rejects_the_held_order(hub, caller):
    big = an_order("ORD-NO", a_line(price={"one_time": "20000", "recurring": "0"}))
    await caller.call("order.submit", big)
    decision = {"order_id": "ORD-NO", "revision": 1, "decision": "reject",
                "approver": "sam", "reason": "credit check failed"}
    reply = (await caller.call("order.approve", decision)).json()
    assert reply["result"]["status"] == "rejected"
    [event] = await caller.wait_for("order.rejected", order_id="ORD-NO")
    assert event.json()["data"]["errors"][0]["message"] == "credit check failed"
    again = (await caller.call("order.approve", decision)).json()
    assert again["errors"][0]["code"] == "order.not_held"


BAD_ORDERS = {
    "order.no_items": ({"items": []}, "items"),
    "line.duplicate_id": ({"items": [a_line("1"), a_line("1")]}, "items[0].line_id"),
    "line.parent_unknown": ({"items": [a_line("1", parent_line_id="9")]},
                            "items[0].parent_line_id"),
    "line.asset_id_missing": ({"items": [a_line("1", action="update")]}, "items[0].asset_id"),
    "line.quantity_invalid": ({"items": [a_line("1", quantity=0)]}, "items[0].quantity"),
    "money.invalid": ({"items": [a_line("1", price={"one_time": "12.345678"})]},
                      "items[0].price.one_time"),
    "order.currency_mixed": ({"items": [a_line("1", price={"one_time": "1",
                                                           "currency": "USD"})]},
                             "items[0].price.currency"),
    "line.action_unknown": ({"items": [a_line("1", action="upgrade")]}, "items[0].action"),
    "request.field_missing": ({"account_id": None}, "account_id"),
}


@pytest.mark.parametrize("code", sorted(BAD_ORDERS))
async def test_bad_order_is_rejected_with_its_code_and_dead_lettered(hub, caller, amqp_url, code):
    change, path = BAD_ORDERS[code]
    order = {k: v for k, v in (an_order(f"ORD-{code}") | change).items() if v is not None}
    reply = await caller.call("order.submit", order, message_id=f"bad-{code}")

    body = reply.json()
    assert body["status"] == "rejected"
    assert (body["errors"][0]["code"], body["errors"][0]["path"]) == (code, path)
    assert body["errors"][0]["message"]
    [event] = await caller.wait_for("order.rejected")
    assert event.json()["data"]["errors"][0]["code"] == code
    [dead] = await _dead_letters_eventually(amqp_url, "order.submit")
    assert dead.message_id == f"bad-{code}"
    assert dead.headers["x-hub-error-code"] == code
    assert code in dead.headers["x-hub-error"]
    assert (await caller.call("order.get", {"order_id": f"ORD-{code}"})).json()["errors"][0][
        "code"] == "order.unknown"


UNREADABLE = {
    "request.not_json": (b"{not json", {}),
    "request.not_object": (b"[1, 2]", {}),
    "request.content_type": (b"<order/>", {"content_type": "application/xml"}),
    "request.too_large": (b'{"x": "' + b"a" * 1_100_000 + b'"}', {}),
}


@pytest.mark.parametrize("code", sorted(UNREADABLE))
async def test_unreadable_message_is_answered_and_dead_lettered(hub, caller, amqp_url, code):
    body, properties = UNREADABLE[code]
    reply = (await caller.call("order.submit", body, **properties)).json()
    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == code
    [dead] = await _dead_letters_eventually(amqp_url, "order.submit")
    assert dead.body == body
    assert dead.headers["x-hub-error-code"] == code


async def test_unreadable_message_without_reply_to_still_ends_in_the_dlq(hub, caller, amqp_url):
    await caller.send("order.submit", b"\xff\xfe garbage")
    [dead] = await _dead_letters_eventually(amqp_url, "order.submit")
    assert dead.headers["x-hub-error-code"] == "request.not_json"


async def _billed(caller, order_id: str) -> None:
    """Wait until billing got the order (its XML names it)."""
    await caller.wait_until(lambda: any(order_id.encode() in m.body
                                        for m in caller.matching("billing.order")))


async def _dead_letters_eventually(amqp_url: str, operation: str, count: int = 1):
    found = []
    for _ in range(50):
        found += await dead_letters(amqp_url, operation)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    return found
