"""Scenarios 7-8: TeleMedia's partner channel with ComTel (SOAP CRM) and Northwind (AMQP CRM)."""

import secrets
from urllib.parse import urlsplit

from connectors.rabbitmq_admin import ProvisioningFailed
from demo import show
from hub.bootstrap import Hub, provision_partner
from hub.client import HubCaller
from hub.delivery.partner_topology import vhost_of, vhost_url
from simulators.amqp_crm_simulator import AmqpCrmSimulator
from simulators.soap_crm_simulator import NS, CrmState

ACME = "ACC-ACME-0007"
COMTEL_STORE = "ACC-COMTEL-STORE"  # ComTel's own account: the stock of its shops
OPPORTUNITY = {
    "opportunity_id": "OPP-3001", "name": "Fibre and mobile for Acme Logistics",
    "account": {"id": ACME, "name": "Acme Logistics"}, "stage": "proposal",
    "probability": 60, "close_date": "2026-12-31",
    "revenues": [{"product_code": "FIB-1G", "amount": "1200.00", "currency": "EUR"},
                 {"product_code": "MOB-10", "amount": "300.50", "currency": "EUR"}],
    "contacts": [{"contact_id": "C-1", "first_name": "Ann", "last_name": "Lee",
                  "email": "ann.lee@acme.example", "role": "CTO"}],
    "notes": [{"note_id": "N-1", "author": "rep.jansen", "text": "Wants 1G fibre by Q4",
               "created_at": "2026-11-20T10:00:00+00:00"}],
    "activities": [{"activity_id": "A-1", "kind": "meeting", "subject": "Site survey",
                    "due": "2026-11-30T00:00:00+00:00", "status": "planned"}],
}


async def comtel_over_soap(caller: HubCaller, crm: CrmState, crm_url: str) -> None:
    show.chapter("7-8. Partner channel: ComTel's CRM over SOAP", "ComTel Networks resells "
                 "TeleMedia. Its CRM is an Odoo-like system behind a SOAP web service.")
    show.step("the channel manager registers ComTel's application, then approves it")
    registration = {"partner_id": "comtel", "name": "ComTel Networks", "accounts": [ACME],
                    "own_account_id": COMTEL_STORE,
                    "connector": {"kind": "soap", "address": crm_url, "username": "hub",
                                  "secret_ref": "comtel"}}
    show.reply((await caller.call("partner.register", registration)).json())
    show.reply((await caller.call("partner.approve", {"partner_id": "comtel",
                                                      "approver": "channel.manager"})).json())
    show.step("TeleMedia transfers opportunity OPP-3001 (contacts, revenues, notes, "
              "activities) to ComTel")
    reply = (await caller.call("opportunity.transfer", {"opportunity": OPPORTUNITY,
                                                        "partner_id": "comtel"})).json()
    show.reply(reply)
    lead_id = reply["result"]["external_id"]
    lead = crm.leads[lead_id]
    show.step(f"ComTel's CRM now holds lead {lead_id} in its own vocabulary: stage "
              f"{lead.findtext('crm:stage', namespaces=NS)}, expected_revenue "
              f"{lead.findtext('crm:expected_revenue', namespaces=NS)}, contact_name "
              f"{lead.findtext('crm:contact_name', namespaces=NS)}")
    show.step("ComTel's rep works the lead: a call, then the customer signs")
    crm.advance(lead_id, stage="Won", probability=100, expected_revenue="1800.00",
                new_activity={"activity_type": "call", "summary": "Contract signed",
                              "date_deadline": "2026-12-02", "state": "done"})
    show.step("TeleMedia queries ComTel for its progress")
    found = (await caller.call("opportunity.query", {"opportunity_id": "OPP-3001",
                                                     "partner_id": "comtel"})).json()
    opportunity = found["result"]["opportunity"]
    revenue = ", ".join(f"{r['amount']} {r['currency']}" for r in opportunity["revenues"])
    show.console.print(f"  stage [bold green]{opportunity['stage']}[/], probability "
                       f"{opportunity['probability']}%, revenue for the forecast {revenue}, "
                       f"activities {[a['subject'] for a in opportunity['activities']]}")
    await caller.wait_for("opportunity.updated", opportunity_id="OPP-3001")


async def northwind_over_amqp(caller: HubCaller, hub: Hub) -> None:
    show.chapter("9. A partner's own lead over AMQP", "Northwind Telecom runs a Salesforce-like "
                 "CRM and talks to the hub over RabbitMQ, as its own user on its own virtual "
                 "host.")
    registration = {"partner_id": "northwind", "name": "Northwind Telecom",
                    "accounts": [ACME], "connector": {"kind": "amqp"}}
    await caller.call("partner.register", registration)
    await caller.call("partner.approve", {"partner_id": "northwind"})
    password = secrets.token_urlsafe(16)
    try:
        vhost = await provision_partner(hub.settings, "northwind", password)
    except ProvisioningFailed as failed:
        show.console.print(f"  [yellow]skipped: provisioning needs rabbitmqctl beside the "
                           f"broker ({failed})[/]")
        return
    show.step(f"operator provisioned vhost {vhost} and user northwind "
              "(writes only to hub.asi, reads only its own queues)")
    assert hub.partner_vhosts is not None
    await hub.partner_vhosts.reconcile()
    lead = {"Id": "00Q7001", "Name": "Walk-in: Beta offices", "Company": "Beta BV",
            "AccountId__c": ACME, "FirstName": "Eva", "LastName": "de Vries",
            "StageName": "Qualification", "Probability": 20, "Amount": "800.00",
            "CurrencyIsoCode": "EUR", "CloseDate": "2027-01-31"}
    async with AmqpCrmSimulator(_partner_url(hub.settings.amqp_url, password),
                                "northwind") as crm:
        show.step("Northwind transfers its lead 00Q7001 to TeleMedia")
        show.reply(await crm.call("opportunity.transfer", {"lead": lead}))
        show.step("and tries a lead for an account that is not assigned to it")
        stranger = lead | {"Id": "00Q7002", "AccountId__c": "ACC-SOMEONE-ELSE"}
        show.reply(await crm.call("opportunity.transfer", {"lead": stranger}))
    [received] = await caller.wait_for("opportunity.received", partner_id="northwind")
    opportunity = received.json()["data"]["opportunity"]
    show.step(f"front office hears opportunity.received: {opportunity['opportunity_id']} "
              f"'{opportunity['name']}', stage {opportunity['stage']}")


def _partner_url(amqp_url: str, password: str) -> str:
    parts = urlsplit(amqp_url)
    own = parts._replace(netloc=f"northwind:{password}@{parts.hostname}:{parts.port or 5672}")
    return vhost_url(own.geturl(), vhost_of("northwind"))
