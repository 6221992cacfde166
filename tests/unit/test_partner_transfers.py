"""The opportunity ASIs without a broker: the in-memory unit of work (a real SQLite store) and an
honest in-memory partner CRM."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from hub.canonical.opportunities import Opportunity, OpportunityQuery, TransferRequest
from hub.canonical.partners import (
    PartnerApproval,
    PartnerLead,
    PartnerRegistration,
    PartnerSuspension,
)
from hub.interfaces.opportunities.partner_leads import receive_partner_lead
from hub.interfaces.opportunities.transfers import (
    query_opportunity,
    transfer_opportunity,
    update_opportunity,
)
from hub.interfaces.partners.calls import PartnerCalls, idempotency_key
from hub.interfaces.partners.registry import approve_partner, register_partner, suspend_partner
from hub.interfaces.ports import PartnerRefused
from hub.interfaces.request import Request
from hub.store.outbox import OutgoingMessage
from hub.store.unit_of_work import UnitOfWork
from simulators.fakes import InMemoryCrmDirectory, InMemoryPartnerCrm
from tests.support.memory_store import Store
from tests.support.partners import a_partner_lead, an_opportunity

PARTNER = "comtel"


class CountingCrm(InMemoryPartnerCrm):
    """The in-memory CRM that also counts the calls it was given, and can die after one."""

    def __init__(self, partner_id: str) -> None:
        super().__init__(partner_id)
        self.calls = 0
        self.hub_dies_after_create = False

    async def create_lead(self, opportunity: Opportunity, idempotency_key: str) -> str:
        self.calls += 1
        lead_id = await super().create_lead(opportunity, idempotency_key)
        if self.hub_dies_after_create:
            self.hub_dies_after_create = False
            raise RuntimeError("the hub died after the partner answered")
        return lead_id


@dataclass
class Channel:
    """A store with one approved partner whose CRM lives in memory."""

    new_uow: Callable[..., UnitOfWork]
    calls: PartnerCalls
    crm: CountingCrm
    events: list[OutgoingMessage] = field(default_factory=list)

    def statuses(self, opportunity_id: str) -> list[str]:
        return [json.loads(m.body)["data"]["transfer_status"] for m in self.events
                if m.routing_key == "opportunity.transfer_status"
                and json.loads(m.body)["data"]["opportunity_id"] == opportunity_id]


@pytest.fixture
async def channel(store: Store) -> Channel:
    crm = CountingCrm(PARTNER)
    calls = PartnerCalls(InMemoryCrmDirectory({PARTNER: crm}), attempts=3, first_backoff=0,
                         max_backoff=0)
    channel = Channel(store.new_uow, calls, crm, store.published)
    registration = PartnerRegistration(partner_id=PARTNER, name="ComTel",
                                       connector={"kind": "amqp"}, accounts=["ACC-42"])
    await register_partner(registration, request("partner.register"), channel.new_uow())
    await approve_partner(PartnerApproval(partner_id=PARTNER), request("partner.approve"),
                          channel.new_uow())
    return channel


def request(operation: str, message_id: str | None = None, user_id: str | None = None
            ) -> Request:
    return Request(operation=operation, message_id=message_id or f"m-{operation}",
                   user_id=user_id)


def partner_request(operation: str, message_id: str | None = None,
                    user_id: str | None = PARTNER) -> Request:
    """A request as it comes in on the partner's own vhost."""
    return Request(operation=operation, message_id=message_id or f"m-{operation}",
                   user_id=user_id, channel=f"partner.{PARTNER}")


def a_transfer(opportunity_id: str = "OPP-1", **changes: Any) -> TransferRequest:
    return TransferRequest(opportunity=an_opportunity(opportunity_id, **changes),
                           partner_id=PARTNER)


async def transfer(channel: Channel, message_id: str = "t-1", **changes: Any) -> dict:
    reply = await transfer_opportunity(a_transfer(**changes),
                                       request("opportunity.transfer", message_id),
                                       channel.new_uow(), channel.calls)
    return reply.model_dump()


async def test_a_transfer_creates_one_lead_and_records_pending_then_successful(channel):
    reply = await transfer(channel)

    assert reply["status"] == "accepted"
    assert reply["result"]["transfer_status"] == "transfer_successful"
    assert list(channel.crm.leads) == [reply["result"]["external_id"]]
    assert channel.statuses("OPP-1") == ["transfer_pending", "transfer_successful"]


async def test_an_unavailable_partner_is_tried_a_bounded_number_of_times(channel):
    channel.crm.down = True
    reply = await transfer(channel)

    assert channel.crm.calls == 3
    assert reply["status"] == "rejected"
    assert reply["result"]["transfer_status"] == "transfer_unsuccessful"
    assert reply["errors"][0]["code"] == "partner.unavailable"
    assert channel.statuses("OPP-1") == ["transfer_pending", "transfer_unsuccessful"]


async def test_the_replayed_request_succeeds_with_the_same_key_once_the_partner_is_back(channel):
    channel.crm.down = True
    await transfer(channel, message_id="t-replay")
    channel.crm.down = False
    reply = await transfer(channel, message_id="t-replay")

    assert reply["result"]["transfer_status"] == "transfer_successful"
    assert len(channel.crm.leads) == 1
    assert channel.statuses("OPP-1") == [
        "transfer_pending", "transfer_unsuccessful", "transfer_pending", "transfer_successful"]


async def test_a_refusing_partner_is_not_retried(channel):
    channel.crm.refusal = PartnerRefused("partner.invalid", "no such product")
    reply = await transfer(channel)
    assert channel.crm.calls == 1
    assert reply["errors"][0]["code"] == "partner.invalid"


async def test_a_hub_that_died_after_the_partner_answered_makes_no_second_lead(channel):
    channel.crm.hub_dies_after_create = True
    with pytest.raises(RuntimeError):
        await transfer(channel, message_id="t-crash")
    reply = await transfer(channel, message_id="t-crash")  # the broker redelivers it

    assert reply["result"]["transfer_status"] == "transfer_successful"
    assert len(channel.crm.leads) == 1
    assert channel.statuses("OPP-1") == ["transfer_pending", "transfer_successful"]


async def test_a_new_request_for_a_failed_transfer_reuses_the_first_key(channel):
    channel.crm.down = True
    await transfer(channel, message_id="first")
    channel.crm.down = False
    await transfer(channel, message_id="second")
    assert list(channel.crm._created) == [idempotency_key("transfer", PARTNER, "first")]


async def test_update_and_query_need_a_transferred_opportunity(channel):
    update = await update_opportunity(a_transfer("OPP-9"), request("opportunity.update"),
                                      channel.new_uow(), channel.calls)
    query = await query_opportunity(OpportunityQuery(opportunity_id="OPP-9", partner_id=PARTNER),
                                    request("opportunity.query"), channel.new_uow(),
                                    channel.calls)
    assert [r.errors[0].code for r in (update, query)] == ["opportunity.not_transferred"] * 2
    assert channel.crm.calls == 0


async def test_a_query_brings_back_the_partners_progress(channel):
    lead_id = (await transfer(channel))["result"]["external_id"]
    channel.crm.advance(lead_id, stage="closed_won", probability=100)
    reply = await query_opportunity(OpportunityQuery(opportunity_id="OPP-1", partner_id=PARTNER),
                                    request("opportunity.query"), channel.new_uow(),
                                    channel.calls)
    assert reply.status == "ok"
    assert (reply.result["opportunity"]["stage"], reply.result["opportunity"]["probability"]) == (
        "closed_won", 100)
    assert [m.routing_key for m in channel.events][-1] == "opportunity.updated"


async def test_updates_are_refused_once_the_partner_is_suspended(channel):
    await transfer(channel)
    await suspend_partner(PartnerSuspension(partner_id=PARTNER), request("partner.suspend"),
                          channel.new_uow())
    reply = await update_opportunity(a_transfer(), request("opportunity.update"),
                                     channel.new_uow(), channel.calls)
    assert reply.errors[0].code == "partner.not_approved"


@pytest.mark.parametrize("user_id, code", [(None, "partner.identity_missing"),
                                           ("someone-else", "partner.identity_mismatch")])
async def test_a_partner_request_is_taken_from_the_broker_validated_user(channel, user_id, code):
    reply = await receive_partner_lead(PartnerLead(lead=a_partner_lead()),
                                       partner_request("opportunity.transfer", user_id=user_id),
                                       channel.new_uow(), PARTNER)
    assert reply.errors[0].code == code


async def test_a_partner_message_id_lives_apart_from_the_brand_owners(channel):
    await transfer(channel, message_id="same-id")
    reply = await receive_partner_lead(PartnerLead(lead=a_partner_lead()),
                                       partner_request("opportunity.transfer", "same-id"),
                                       channel.new_uow(), PARTNER)
    assert reply.result["opportunity_id"] == f"{PARTNER}.00Q9001"


def test_the_idempotency_key_is_stable_and_short():
    key = idempotency_key("transfer", PARTNER, "m" * 500)
    assert key == idempotency_key("transfer", PARTNER, "m" * 500)
    assert key != idempotency_key("update", PARTNER, "m" * 500)
    assert len(key) <= 64
