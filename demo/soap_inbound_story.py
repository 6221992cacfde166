"""Scenario 10: ComTel's CRM transfers a lead it found itself to TeleMedia over the hub's SOAP
endpoint, and reads the brand owner's copy back."""

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

from zeep import Client
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from connectors.soap_partner import to_wire, zeep_settings
from demo import show
from demo.partner_story import ACME
from hub.bootstrap import Hub
from hub.client import HubCaller
from hub.interfaces.partners.soap_identity import set_soap_credentials
from hub.mappers.odoo_lead import parse_lead
from hub.sealed_secrets import SealedSecrets
from hub.soap.envelope import HUB

USER = "comtel-crm"
LEAD = {"id": "L-8801", "name": "Acme Logistics: second warehouse", "partner_name": "Acme Logistics",
        "x_account_ref": ACME, "contact_name": "Tom Berg", "email_from": "tom.berg@acme.example",
        "type": "opportunity", "stage": "Qualified", "probability": 30,
        "expected_revenue": "2400.00", "company_currency": "EUR", "date_deadline": "2027-03-31",
        "x_contacts": [], "x_revenue_lines": [], "x_notes": [],
        "x_activities": [{"id": "act-88", "activity_type": "meeting", "summary": "Site visit",
                          "date_deadline": "2026-12-10", "state": "planned"}]}


async def comtel_calls_the_hub(caller: HubCaller, hub: Hub) -> None:
    show.chapter("10. ComTel's CRM calls the hub over SOAP", "ComTel found a lead of its own. "
                 "Its CRM speaks only SOAP: it calls the hub's endpoint, described by the WSDL "
                 "the hub serves, and signs each call with a WS-Security UsernameToken.")
    assert hub.soap is not None and hub.soap.url is not None
    password = secrets.token_urlsafe(18)
    await set_soap_credentials(hub.new_uow(), "comtel", USER, password,
                               SealedSecrets(hub.settings.secret_key))
    show.step(f"the operator gives ComTel a SOAP user ({USER}): `hub partner soap-credentials "
              f"comtel --username {USER}`; the hub keeps the password sealed under "
              "HUB_SECRET_KEY")
    crm = await _crm(hub.soap.url, password)
    show.step(f"ComTel's CRM loads {hub.soap.url}?wsdl and sends TransferLead for its lead "
              f"{LEAD['id']} (stage {LEAD['stage']}, expected revenue "
              f"{LEAD['expected_revenue']} EUR)")
    answer = await _call(crm, "TransferLead", request_id="comtel-0001",
                         lead=to_wire(parse_lead(LEAD)))
    show.console.print(f"  answer: opportunity [bold]{answer.opportunity_id}[/], "
                       f"{answer.transfer_status}, their id {answer.external_id}")
    [received] = await caller.wait_for("opportunity.received", partner_id="comtel")
    opportunity = received.json()["data"]["opportunity"]
    show.step(f"TeleMedia's front office hears opportunity.received: "
              f"'{opportunity['name']}', stage {opportunity['stage']}, revenue "
              f"{', '.join(r['amount'] + ' ' + r['currency'] for r in opportunity['revenues'])}")
    show.step("the CRM lost the answer and sends the same request again (same request_id)")
    again = await _call(crm, "TransferLead", request_id="comtel-0001",
                        lead=to_wire(parse_lead(LEAD)))
    show.console.print(f"  same answer: {again == answer}; the hub changed nothing the second "
                       "time")
    show.step(f"ComTel queries the brand owner's copy of {answer.opportunity_id} "
              "(GetOpportunity), in its own vocabulary")
    found = await _call(crm, "GetOpportunity", opportunity_id=answer.opportunity_id)
    show.console.print(f"  lead {found.lead.id} (x_hub_ref {found.lead.x_hub_ref}): stage "
                       f"[bold green]{found.lead.stage}[/], probability "
                       f"{found.lead.probability:g}%, expected revenue "
                       f"{found.lead.expected_revenue} {found.lead.company_currency}, "
                       f"activities {[a.summary for a in found.lead.x_activities.activity]}")
    await _refusals(hub.soap.url, password, answer.opportunity_id)


async def _refusals(url: str, password: str, opportunity_id: str) -> None:
    show.step("someone replays a captured call (same nonce), then guesses the password")
    token = {"nonce": secrets.token_hex(8), "created": datetime.now(UTC)}
    captured = await _crm(url, password, **token)
    await _call(captured, "GetOpportunity", opportunity_id=opportunity_id)
    replay = await _crm(url, password, **token)
    guess = await _crm(url, "password123456")
    for crm in (replay, guess):
        try:
            await _call(crm, "GetOpportunity", opportunity_id=opportunity_id)
        except Fault as fault:
            codes = [e.findtext(f"{{{HUB}}}code") for e in fault.detail.iter(f"{{{HUB}}}error")]
            show.console.print(f"  SOAP fault [red]{fault.code}[/] {codes}: {fault.message}")


async def _crm(url: str, password: str, **token: Any) -> Client:
    wsse = UsernameToken(USER, password, use_digest=True, **token)
    return await asyncio.to_thread(Client, f"{url}?wsdl", wsse=wsse, settings=zeep_settings())


async def _call(crm: Client, operation: str, **arguments: Any) -> Any:
    # zeep's client is synchronous; the hub answers on this loop, so the call runs in a thread
    return await asyncio.to_thread(crm.service[operation], **arguments)
