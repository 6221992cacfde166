"""The inbox is scoped by caller and operation (issue: one namespace for every caller): the
attacks that used to get another request's reply, on the real broker and both stores."""

import pytest

from hub.client import HubCaller
from simulators.amqp_crm_simulator import AmqpCrmSimulator
from tests.support.factories import a_line, an_order
from tests.support.partners import AMQP_PARTNER, a_partner_lead

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.support.partner_fixtures"]

PARTNER_VHOST = f"partner.{AMQP_PARTNER}"


def a_big_order(order_id: str) -> dict:
    return an_order(order_id, a_line(price={"one_time": "20000", "recurring": "0"}))


async def test_a_brand_owner_request_named_like_a_partner_key_gets_its_own_answer(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    transferred = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q7001")},
                                      message_id="m-shared")
    assert transferred["status"] == "accepted"

    held = (await caller.call("order.submit", a_big_order("ORD-KEY"))).json()
    assert held["result"]["status"] == "held"
    decision = {"order_id": "ORD-KEY", "revision": 1, "decision": "approve", "approver": "sam"}
    approved = (await caller.call("order.approve", decision,
                                  message_id=f"{PARTNER_VHOST}/m-shared")).json()

    assert (approved["operation"], approved["status"]) == ("order.approve", "accepted")
    assert approved["result"]["status"] == "acknowledged"
    await caller.wait_for("order.accepted", order_id="ORD-KEY")


async def test_a_partner_transfer_is_never_answered_with_a_brand_owner_reply(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    for message_id in (f"{PARTNER_VHOST}/m-lead", "m-lead"):
        order = (await caller.call("order.submit", an_order(f"ORD-{len(message_id)}"),
                                   message_id=message_id)).json()
        assert order["status"] == "accepted"

    reply = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q7002")},
                                message_id="m-lead")

    assert (reply["operation"], reply["status"]) == ("opportunity.transfer", "accepted")
    assert reply["result"]["external_id"] == "00Q7002"
    await caller.wait_for("opportunity.received", partner_id=AMQP_PARTNER)


async def test_an_approval_reusing_a_submits_message_id_is_refused_and_changes_nothing(
    channel_hub, caller: HubCaller
):
    held = (await caller.call("order.submit", a_big_order("ORD-REUSE"),
                              message_id="m-reused")).json()
    decision = {"order_id": "ORD-REUSE", "revision": 1, "decision": "approve",
                "approver": "sam"}

    refused = (await caller.call("order.approve", decision, message_id="m-reused")).json()
    again = (await caller.call("order.submit", a_big_order("ORD-REUSE"),
                               message_id="m-reused")).json()
    state = (await caller.call("order.get", {"order_id": "ORD-REUSE"})).json()

    assert (refused["operation"], refused["status"]) == ("order.approve", "rejected")
    assert [(e["code"], e["path"]) for e in refused["errors"]] == [
        ("request.message_id_reused", "message_id")]
    assert again == held
    assert state["result"]["status"] == "held"
    approved = (await caller.call("order.approve", decision, message_id="m-fresh")).json()
    assert approved["result"]["status"] == "acknowledged"


async def test_the_same_message_id_from_two_partners_is_two_requests(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator, other_crm: AmqpCrmSimulator
):
    ours = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q7003")},
                               message_id="m-both")
    theirs = await other_crm.call(
        "opportunity.transfer",
        {"lead": a_partner_lead("00Q7003", AccountId__c="ACC-77")}, message_id="m-both")

    assert ours["result"]["partner_id"] == AMQP_PARTNER
    assert theirs["status"] == "accepted"
    assert theirs["result"]["partner_id"] != AMQP_PARTNER
