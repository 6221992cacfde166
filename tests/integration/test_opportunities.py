"""opportunity.transfer / update / query from the brand owner to partner CRMs, over the real
broker, the SOAP simulator over HTTP and the AMQP partner simulator, on both databases."""

import asyncio
from decimal import Decimal
from typing import Any

import pytest

import hub.interfaces.opportunities.transfers
from hub.client import HubCaller
from hub.dead_letters import replay_dead_letters
from hub.mappers.odoo_lead import STAGES_IN
from simulators.amqp_crm_simulator import AmqpCrmSimulator
from simulators.soap_crm_simulator import CrmState
from tests.support.hubs import dead_letters, running_hub
from tests.support.partners import (
    AMQP_PARTNER,
    OTHER_ACCOUNT,
    SOAP_PARTNER,
    an_opportunity,
    enrol_partners,
    partner_settings,
    partner_url,
)

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.support.partner_fixtures"]
SOAP_NS = "{urn:comtel:crm:v1}"


def transfer(opportunity_id: str, partner_id: str, **changes: Any) -> dict[str, Any]:
    return {"opportunity": an_opportunity(opportunity_id, **changes), "partner_id": partner_id}


def soap_lead(state: CrmState, lead_id: str, field: str) -> str | None:
    return state.leads[lead_id].findtext(f"{SOAP_NS}{field}")


async def test_transfer_to_a_soap_partner_creates_its_lead_and_reports_the_status(
    channel_hub, caller: HubCaller, soap_crm
):
    reply = await caller.call("opportunity.transfer", transfer("OPP-S1", SOAP_PARTNER),
                              correlation_id="corr-s1")

    body = reply.json()
    assert body["status"] == "accepted"
    assert body["result"] == {"opportunity_id": "OPP-S1", "partner_id": SOAP_PARTNER,
                              "transfer_status": "transfer_successful", "external_id": "L1001",
                              "reason": None}
    state = soap_crm[1]
    assert soap_lead(state, "L1001", "x_hub_ref") == "OPP-S1"
    assert soap_lead(state, "L1001", "stage") == "Proposition"
    assert soap_lead(state, "L1001", "expected_revenue") == "1500.50"
    assert state.leads["L1001"].findtext(f".//{SOAP_NS}contact/{SOAP_NS}lastname") == "Lee"
    statuses = await caller.wait_for("opportunity.transfer_status", count=2,
                                     opportunity_id="OPP-S1")
    assert [e.json()["data"]["transfer_status"] for e in statuses] == [
        "transfer_pending", "transfer_successful"]
    assert {e.correlation_id for e in statuses} == {"corr-s1"}


async def test_transfer_to_an_amqp_partner_delivers_a_salesforce_lead(
    channel_hub, caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    body = (await caller.call("opportunity.transfer", transfer("OPP-A1", AMQP_PARTNER))).json()

    assert body["result"]["transfer_status"] == "transfer_successful"
    [(lead_id, lead)] = amqp_crm.leads.items()
    assert body["result"]["external_id"] == lead_id
    assert (lead["ExternalId__c"], lead["StageName"], lead["Amount"]) == (
        "OPP-A1", "Proposal/Price Quote", "1500.50")
    assert [t["Subject"] for t in lead["Tasks__r"]] == ["Site survey"]
    await caller.wait_for("opportunity.transfer_status", transfer_status="transfer_successful",
                          opportunity_id="OPP-A1")


@pytest.mark.parametrize("partner_id", [SOAP_PARTNER, AMQP_PARTNER], ids=["soap", "amqp"])
async def test_update_reaches_the_lead_the_partner_holds(
    channel_hub, caller: HubCaller, soap_crm, amqp_crm, partner_id
):
    first = (await caller.call("opportunity.transfer", transfer("OPP-U", partner_id))).json()
    lead_id = first["result"]["external_id"]
    update = transfer("OPP-U", partner_id, stage="negotiation", probability=80,
                      name="Fibre, mobile and TV for Acme")
    reply = (await caller.call("opportunity.update", update)).json()

    assert reply["status"] == "accepted"
    assert reply["result"]["transfer_status"] == "update_successful"
    assert reply["result"]["external_id"] == lead_id
    if partner_id == SOAP_PARTNER:
        assert soap_lead(soap_crm[1], lead_id, "name") == "Fibre, mobile and TV for Acme"
        assert soap_lead(soap_crm[1], lead_id, "probability") == "80.0"
    else:
        assert amqp_crm.leads[lead_id]["StageName"] == "Negotiation/Review"
    statuses = await caller.wait_for("opportunity.transfer_status", count=4,
                                     opportunity_id="OPP-U")
    assert [e.json()["data"]["transfer_status"] for e in statuses][2:] == [
        "update_pending", "update_successful"]


async def test_query_of_a_soap_partner_maps_its_progress_back_and_announces_it(
    channel_hub, caller: HubCaller, soap_crm
):
    lead_id = (await caller.call("opportunity.transfer", transfer("OPP-Q", SOAP_PARTNER))
               ).json()["result"]["external_id"]
    soap_crm[1].advance(lead_id, stage="Won", probability=100, expected_revenue="1800.00",
                        new_activity={"activity_type": "call", "summary": "Signed",
                                      "date_deadline": "2026-12-02", "state": "done"})

    reply = (await caller.call("opportunity.query", {"opportunity_id": "OPP-Q",
                                                     "partner_id": SOAP_PARTNER})).json()

    assert reply["status"] == "ok"
    found = reply["result"]["opportunity"]
    assert (found["opportunity_id"], found["stage"], found["probability"]) == (
        "OPP-Q", "closed_won", 100)
    assert [(r["amount"], r["currency"]) for r in found["revenues"]] == [("1800.00", "EUR")]
    assert [a["subject"] for a in found["activities"]] == ["Site survey", "Signed"]
    assert found["external_ids"] == {SOAP_PARTNER: lead_id}
    [event] = await caller.wait_for("opportunity.updated", opportunity_id="OPP-Q")
    assert event.json()["data"]["opportunity"] == found
    assert STAGES_IN["Won"] == "closed_won"


async def test_query_of_an_amqp_partner_maps_its_progress_back(
    channel_hub, caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    lead_id = (await caller.call("opportunity.transfer", transfer("OPP-QA", AMQP_PARTNER))
               ).json()["result"]["external_id"]
    amqp_crm.advance(lead_id, stage="Closed Lost", probability=0,
                     new_task={"Subject": "Lost to competitor", "Type": "Email",
                               "Status": "Completed"})

    reply = (await caller.call("opportunity.query", {"opportunity_id": "OPP-QA",
                                                     "partner_id": AMQP_PARTNER})).json()

    found = reply["result"]["opportunity"]
    assert (found["stage"], found["probability"]) == ("closed_lost", 0)
    assert found["activities"][-1]["subject"] == "Lost to competitor"
    await caller.wait_for("opportunity.updated", opportunity_id="OPP-QA")


REFUSED = {
    "opportunity.not_transferred": ("opportunity.update", lambda: transfer("OPP-NEVER",
                                                                           SOAP_PARTNER)),
    "opportunity.not_transferred ": ("opportunity.query", lambda: {
        "opportunity_id": "OPP-NEVER", "partner_id": AMQP_PARTNER}),
    "partner.not_approved": ("opportunity.transfer", lambda: transfer("OPP-X", "t-nobody")),
    "partner.account_not_assigned": ("opportunity.transfer", lambda: transfer(
        "OPP-X", SOAP_PARTNER, account={"id": OTHER_ACCOUNT, "name": "Other Ltd"})),
    "request.field_missing": ("opportunity.transfer", lambda: {"partner_id": SOAP_PARTNER}),
    "money.invalid": ("opportunity.transfer", lambda: transfer(
        "OPP-X", SOAP_PARTNER, revenues=[{"amount": 12.5, "currency": "EUR"}])),
    "currency.invalid": ("opportunity.transfer", lambda: transfer(
        "OPP-X", SOAP_PARTNER, revenues=[{"amount": "12.50", "currency": "euro"}])),
    "request.field_invalid": ("opportunity.query", lambda: {
        "opportunity_id": "OPP X", "partner_id": SOAP_PARTNER}),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_bad_request_is_refused_with_its_code_dead_lettered_and_changes_nothing(
    channel_hub, caller: HubCaller, soap_crm, amqp_url, case
):
    operation, body = REFUSED[case]
    reply = (await caller.call(operation, body(), message_id=f"bad-{case.strip()}")).json()

    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == case.strip()
    assert reply["errors"][0]["message"]
    [dead] = await dead_letters_eventually(amqp_url, operation)
    assert dead.headers["x-hub-error-code"] == case.strip()
    assert soap_crm[1].leads == {}
    assert caller.matching("opportunity.transfer_status") == []


async def test_a_second_transfer_of_the_same_opportunity_is_refused(
    channel_hub, caller: HubCaller, soap_crm
):
    await caller.call("opportunity.transfer", transfer("OPP-2X", SOAP_PARTNER))
    reply = (await caller.call("opportunity.transfer", transfer("OPP-2X", SOAP_PARTNER))).json()
    assert reply["errors"][0]["code"] == "opportunity.already_transferred"
    assert len(soap_crm[1].leads) == 1


async def test_same_message_twice_gets_the_same_answer_and_one_lead(
    channel_hub, caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    first = await caller.call("opportunity.transfer", transfer("OPP-D", AMQP_PARTNER),
                              message_id="transfer-twice")
    second = await caller.call("opportunity.transfer", transfer("OPP-D", AMQP_PARTNER),
                               message_id="transfer-twice")
    assert first.json() == second.json()
    assert len(amqp_crm.leads) == 1


async def test_a_partner_down_is_retried_then_reported_unsuccessful_and_kept_for_replay(
    channel_hub, caller: HubCaller, amqp_crm: AmqpCrmSimulator, amqp_url
):
    amqp_crm.mode = "down"
    reply = (await caller.call("opportunity.transfer", transfer("OPP-DOWN", AMQP_PARTNER),
                               message_id="transfer-down")).json()

    assert reply["status"] == "rejected"
    assert reply["result"]["transfer_status"] == "transfer_unsuccessful"
    assert "did not answer" in reply["result"]["reason"]
    assert reply["errors"][0]["code"] == "partner.unavailable"
    assert amqp_crm.requests_seen == 3  # HUB_PARTNER_CALL_ATTEMPTS
    await caller.wait_for("opportunity.transfer_status", transfer_status="transfer_unsuccessful",
                          opportunity_id="OPP-DOWN")

    amqp_crm.mode = None
    assert await replay_dead_letters(amqp_url, "opportunity.transfer") == 1
    [done] = await caller.wait_for("opportunity.transfer_status",
                                   transfer_status="transfer_successful",
                                   opportunity_id="OPP-DOWN")
    # the leads the CRM took while "down" were never made: one lead, one key, in the end
    assert list(amqp_crm.leads) == [done.json()["data"]["external_id"]]
    assert len(amqp_crm.created) == 1


async def test_a_soap_partner_that_comes_back_during_the_retries_gets_the_lead(
    amqp_url, database_url, channel_settings, soap_crm, caller: HubCaller
):
    patient = partner_settings(amqp_url, database_url, HUB_PARTNER_CALL_ATTEMPTS=30,
                               HUB_PARTNER_BACKOFF_MAX_SECONDS=0.2)
    soap_crm[1].mode = "down"
    async with running_hub(patient) as hub:
        await enrol_partners(hub, soap_crm[0])
        await caller.send("opportunity.transfer", transfer("OPP-BACK", SOAP_PARTNER))
        await caller.wait_for("opportunity.transfer_status", transfer_status="transfer_pending",
                              opportunity_id="OPP-BACK")
        await asyncio.sleep(0.5)  # a few attempts meet the outage
        soap_crm[1].mode = None
        [done] = await caller.wait_for("opportunity.transfer_status",
                                       transfer_status="transfer_successful",
                                       opportunity_id="OPP-BACK")
    assert done.json()["data"]["external_id"] == "L1001"
    assert list(soap_crm[1].leads) == ["L1001"]


HOSTILE = {"hostile": "xml.dtd_forbidden", "huge": "xml.too_large", "fault": "partner.fault"}


@pytest.mark.parametrize("mode", sorted(HOSTILE))
async def test_hostile_or_faulty_soap_answers_are_refused_without_retry(
    channel_hub, caller: HubCaller, soap_crm, amqp_url, mode
):
    soap_crm[1].mode = mode
    reply = (await caller.call("opportunity.transfer", transfer("OPP-H", SOAP_PARTNER))).json()

    assert reply["result"]["transfer_status"] == "transfer_unsuccessful"
    assert reply["errors"][0]["code"] == HOSTILE[mode]
    [dead] = await dead_letters_eventually(amqp_url, "opportunity.transfer")
    assert dead.headers["x-hub-error-code"] == HOSTILE[mode]
    events = await caller.wait_for("opportunity.transfer_status", count=2,
                                   opportunity_id="OPP-H")
    assert events[-1].json()["data"]["code"] == HOSTILE[mode]


async def test_an_amqp_partner_refusal_is_not_retried(
    channel_hub, caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    amqp_crm.mode = "refuse"
    reply = (await caller.call("opportunity.transfer", transfer("OPP-R", AMQP_PARTNER))).json()
    assert reply["errors"][0]["code"] == "partner.invalid"
    assert amqp_crm.requests_seen == 1


async def test_an_unreadable_amqp_answer_is_refused(
    channel_hub, caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    amqp_crm.mode = "garbage"
    reply = (await caller.call("opportunity.transfer", transfer("OPP-G", AMQP_PARTNER))).json()
    assert reply["errors"][0]["code"] == "partner.message_invalid"


async def test_a_stage_the_partner_vocabulary_lacks_is_refused_before_any_call(
    channel_hub, caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    reply = (await caller.call("opportunity.transfer",
                               transfer("OPP-ST", AMQP_PARTNER, stage="discovery"))).json()
    assert reply["errors"][0]["code"] == "lead.stage_unknown"
    assert amqp_crm.requests_seen == 0


@pytest.mark.parametrize("partner_id", [SOAP_PARTNER, AMQP_PARTNER], ids=["soap", "amqp"])
async def test_a_crash_after_the_partner_answered_does_not_make_a_second_lead(
    channel_hub, caller: HubCaller, soap_crm, amqp_crm, monkeypatch, partner_id
):
    real = hub.interfaces.opportunities.transfers._settled
    crashes = []

    async def crash_once(*args: Any) -> Any:
        if not crashes:
            crashes.append(True)
            raise RuntimeError("the hub died before recording the lead")
        return await real(*args)

    monkeypatch.setattr(hub.interfaces.opportunities.transfers, "_settled", crash_once)
    reply = (await caller.call("opportunity.transfer", transfer("OPP-C", partner_id),
                               timeout=30)).json()

    assert crashes == [True]
    assert reply["result"]["transfer_status"] == "transfer_successful"
    leads = soap_crm[1].leads if partner_id == SOAP_PARTNER else amqp_crm.leads
    assert list(leads) == [reply["result"]["external_id"]]
    statuses = await caller.wait_for("opportunity.transfer_status", count=2,
                                     opportunity_id="OPP-C")
    assert [e.json()["data"]["transfer_status"] for e in statuses] == [
        "transfer_pending", "transfer_successful"]


async def test_query_answer_carries_partner_revenue_for_the_forecast(
    channel_hub, caller: HubCaller, soap_crm
):
    lead_id = (await caller.call("opportunity.transfer", transfer("OPP-F", SOAP_PARTNER))
               ).json()["result"]["external_id"]
    soap_crm[1].advance(lead_id, expected_revenue="2500.00")
    found = (await caller.call("opportunity.query", {"opportunity_id": "OPP-F",
                                                     "partner_id": SOAP_PARTNER})
             ).json()["result"]["opportunity"]
    assert sum(Decimal(r["amount"]) for r in found["revenues"]) == Decimal("2500.00")


async def dead_letters_eventually(amqp_url: str, operation: str) -> list:
    for _ in range(50):
        if found := await dead_letters(amqp_url, operation):
            return found
        await asyncio.sleep(0.1)
    return []


def test_partner_url_is_the_partners_own_user_and_vhost():
    assert partner_url("amqp://guest:guest@127.0.0.1:5672/", "t-amqp", "pw") == (
        "amqp://t-amqp:pw@127.0.0.1:5672/partner.t-amqp")
