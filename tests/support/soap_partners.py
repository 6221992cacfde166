"""SOAP partners of the hub's own SOAP endpoint, and a zeep client as their CRM would use."""

import asyncio
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import func, select
from zeep import Client
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

from connectors.soap_partner import to_wire, zeep_settings
from hub.bootstrap import Hub
from hub.canonical.partners import PartnerApproval, PartnerRegistration
from hub.interfaces.partners.registry import approve_partner, register_partner
from hub.interfaces.partners.soap_identity import set_soap_credentials
from hub.interfaces.request import Request
from hub.mappers.odoo_lead import parse_lead
from hub.sealed_secrets import SealedSecrets
from hub.soap.endpoint import WSDL_PATH
from hub.soap.envelope import HUB
from hub.store.partner_tables import OpportunityLinkRow
from hub.store.tables import OutboxRow

ACCOUNT, OTHER_ACCOUNT = "ACC-42", "ACC-77"


async def enrol_soap_partner(hub: Hub, partner_id: str, account: str, username: str,
                             password: str) -> None:
    """Register and approve an Odoo-speaking partner, and give it SOAP credentials."""
    registration = PartnerRegistration(
        partner_id=partner_id, name=f"Partner {partner_id}", accounts=[account],
        connector={"kind": "soap", "address": "http://127.0.0.1:9/crm", "username": "hub",
                   "secret_ref": partner_id})
    await register_partner(registration, _enrolment("partner.register", partner_id),
                           hub.new_uow())
    await approve_partner(PartnerApproval(partner_id=partner_id),
                          _enrolment("partner.approve", partner_id), hub.new_uow())
    await set_soap_credentials(hub.new_uow(), partner_id, username, password,
                               SealedSecrets(hub.settings.secret_key))


def _enrolment(operation: str, partner_id: str) -> Request:
    return Request(operation=operation, message_id=f"enrol-{operation}-{partner_id}")


class PartnerCrm:
    """A partner CRM calling the hub with zeep (synchronous, so each call runs in a thread)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @classmethod
    async def connect(cls, url: str, username: str, password: str, *,
                      nonce: str | None = None, created: datetime | None = None
                      ) -> "PartnerCrm":
        """Load the WSDL the hub serves at ``url?wsdl``; a fixed nonce/created replays a token."""
        token = UsernameToken(username, password, use_digest=True, nonce=nonce, created=created)
        client = await asyncio.to_thread(Client, f"{url}?wsdl", wsse=token,
                                         settings=zeep_settings())
        return cls(client)

    async def transfer(self, request_id: str, lead: dict[str, Any]) -> Any:
        return await self._call("TransferLead", request_id=request_id, lead=wire(lead))

    async def update(self, request_id: str, lead: dict[str, Any]) -> Any:
        return await self._call("UpdateLead", request_id=request_id, lead=wire(lead))

    async def get(self, opportunity_id: str) -> Any:
        return await self._call("GetOpportunity", opportunity_id=opportunity_id)

    async def _call(self, operation: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.client.service[operation], **kwargs)


def signed_envelope(username: str, password: str, lead: dict[str, Any],
                    request_id: str = "req-raw") -> bytes:
    """A TransferLead envelope as zeep sends it, with a fresh token, for tests that alter it."""
    client = Client(str(WSDL_PATH), settings=zeep_settings(),
                    wsse=UsernameToken(username, password, use_digest=True))
    envelope = client.create_message(client.service, "TransferLead", request_id=request_id,
                                      lead=wire(lead))
    return etree.tostring(envelope)


def wire(lead: dict[str, Any]) -> dict[str, Any]:
    return to_wire(parse_lead(lead))


def fault_codes(fault: Fault) -> list[tuple[str, str | None]]:
    """The hub's (code, path) pairs in a fault's detail."""
    return [(e.findtext(f"{{{HUB}}}code"), e.findtext(f"{{{HUB}}}path"))
            for e in fault.detail.iter(f"{{{HUB}}}error")]


def an_odoo_lead(lead_id: str = "L-501", **changes: Any) -> dict[str, Any]:
    """A lead a partner's sales rep typed into its Odoo-like CRM."""
    lead = {"id": lead_id, "name": "Walk-in: Gamma offices", "partner_name": "Gamma BV",
            "x_account_ref": ACCOUNT, "contact_name": "Eva de Vries",
            "email_from": "eva@gamma.example", "type": "opportunity", "stage": "Qualified",
            "probability": 20, "expected_revenue": "800.00", "company_currency": "EUR",
            "date_deadline": "2027-01-31", "x_contacts": [], "x_revenue_lines": [],
            "x_activities": [{"id": "act-1", "activity_type": "call", "summary": "Call Eva",
                              "date_deadline": "2026-12-01", "state": "planned"}],
            "x_notes": []}
    return lead | changes


async def what_the_hub_holds(hub: Hub) -> tuple[list[tuple[str, str, str]], int]:
    """Every shared opportunity (id, partner, stage) and how many messages wait to go out."""
    async with hub.new_uow() as uow:
        links = (await uow.session.execute(select(OpportunityLinkRow))).scalars()
        shared = sorted((link.opportunity_id, link.partner_id, link.document["stage"])
                        for link in links)
        outgoing = (await uow.session.execute(select(func.count()).select_from(OutboxRow)
                                              )).scalar_one()
    return shared, outgoing
