"""Partners for the tests: provisioned once on the real broker, enrolled in each test's database."""

from typing import Any
from urllib.parse import urlsplit

import aio_pika

from connectors.rabbitmq_admin import declare_queues, grant, partner_access
from hub.bootstrap import Hub
from hub.canonical.partners import PartnerApproval, PartnerRegistration
from hub.delivery.partner_topology import (
    INBOUND_QUEUE,
    PARTNER_EVENTS_QUEUE,
    PARTNER_OPERATIONS,
    REPLIES_QUEUE,
    vhost_of,
    vhost_url,
)
from hub.interfaces.partners.registry import approve_partner, record_provisioned, register_partner
from hub.interfaces.request import Request
from hub.settings import Settings
from tests.support.hubs import dead_letters, hub_settings, purge_queues
from tests.support.namespace import NAMESPACE

# partner ids carry the run's namespace, so parallel runs on one broker use their own vhosts
AMQP_PARTNER, SOAP_PARTNER, OTHER_PARTNER = (f"t-amqp{NAMESPACE}", f"t-soap{NAMESPACE}",
                                             f"t-other{NAMESPACE}")
CLI_PARTNER = f"t-cli{NAMESPACE}"
TEST_PARTNERS = (AMQP_PARTNER, SOAP_PARTNER, OTHER_PARTNER)
SOAP_USER, SOAP_PASSWORD = "hub", "soap-secret-for-tests"
ACCOUNT, OTHER_ACCOUNT = "ACC-42", "ACC-77"


def partner_password(partner_id: str) -> str:
    return f"{partner_id}-password"


def partner_settings(amqp_url: str, database_url: str, **overrides: Any) -> Settings:
    """Test settings with quick, bounded partner calls and the SOAP partner's secret."""
    values: dict[str, Any] = {
        "HUB_PARTNER_CALL_TIMEOUT": 1.0, "HUB_PARTNER_CALL_ATTEMPTS": 3,
        "HUB_PARTNER_BACKOFF_SECONDS": 0.05, "HUB_PARTNER_BACKOFF_MAX_SECONDS": 0.2,
        "HUB_PARTNER_RECONCILE_SECONDS": 60.0,
        "HUB_PARTNER_SECRETS": {SOAP_PARTNER: SOAP_PASSWORD}}
    return hub_settings(amqp_url, database_url, **(values | overrides))


def partner_url(amqp_url: str, partner_id: str, password: str | None = None,
                vhost: str | None = None) -> str:
    """How the partner itself connects: its own user, its own vhost."""
    parts = urlsplit(amqp_url)
    own = parts._replace(netloc=f"{partner_id}:{password or partner_password(partner_id)}@"
                                f"{parts.hostname}:{parts.port or 5672}")
    return vhost_url(own.geturl(), vhost or vhost_of(partner_id))


async def provision_on_broker(settings: Settings, partner_id: str) -> None:
    """What `hub partner provision` does on RabbitMQ, without the database record."""
    access = partner_access(settings, partner_id)
    await grant(access, partner_password(partner_id))
    await declare_queues(settings, access.vhost)


async def purge_partner_queues(amqp_url: str, partner_id: str) -> None:
    names = [f"asi.{op}{suffix}" for op in PARTNER_OPERATIONS for suffix in ("", ".dlq")]
    await purge_queues(vhost_url(amqp_url, vhost_of(partner_id)),
                       [*names, INBOUND_QUEUE, REPLIES_QUEUE, PARTNER_EVENTS_QUEUE],
                       missing_ok=False)


async def enrol(hub: Hub, partner_id: str, connector: dict[str, Any], *accounts: str,
                vocabulary: str | None = None, own_account_id: str | None = None,
                consume: bool = True) -> None:
    """Register, approve and record as provisioned; the hub then consumes its vhost (unless
    ``consume`` is false: then the next reconciliation does)."""
    registration = PartnerRegistration(partner_id=partner_id, name=f"Partner {partner_id}",
                                       connector=connector, accounts=list(accounts),
                                       vocabulary=vocabulary, own_account_id=own_account_id)
    await register_partner(registration, _request("partner.register", partner_id), hub.new_uow())
    await approve_partner(PartnerApproval(partner_id=partner_id),
                          _request("partner.approve", partner_id), hub.new_uow())
    await record_provisioned(hub.new_uow(), partner_id, vhost_of(partner_id))
    assert hub.partner_vhosts is not None
    if consume:
        await hub.partner_vhosts.reconcile()


def _request(operation: str, partner_id: str) -> Request:
    return Request(operation=operation, message_id=f"enrol-{operation}-{partner_id}")


async def partner_dead_letters(amqp_url: str, partner_id: str, operation: str
                               ) -> list[aio_pika.IncomingMessage]:
    """Take every message out of ``asi.<operation>.dlq`` in the partner's vhost."""
    return await dead_letters(vhost_url(amqp_url, vhost_of(partner_id)), operation)


def an_opportunity(opportunity_id: str = "OPP-1", **overrides: Any) -> dict[str, Any]:
    """An opportunity as the front office sends it, with a contact, revenues, a note, a task."""
    opportunity = {
        "opportunity_id": opportunity_id, "name": "Fibre and mobile for Acme",
        "account": {"id": ACCOUNT, "name": "Acme Logistics"},
        "stage": "proposal", "probability": 60, "close_date": "2026-12-31",
        "revenues": [{"product_code": "FIB-1G", "amount": "1200.00", "currency": "EUR"},
                     {"product_code": "MOB-10", "amount": "300.50", "currency": "EUR"}],
        "contacts": [{"contact_id": "C-1", "first_name": "Ann", "last_name": "Lee",
                      "email": "ann.lee@acme.example", "role": "CTO"}],
        "notes": [{"note_id": "N-1", "author": "rep.jansen", "text": "Wants 1G fibre by Q4",
                   "created_at": "2026-11-20T10:00:00+00:00"}],
        "activities": [{"activity_id": "A-1", "kind": "meeting", "subject": "Site survey",
                        "due": "2026-11-30T00:00:00+00:00", "status": "planned"}],
    }
    return opportunity | overrides


def a_partner_lead(lead_id: str = "00Q9001", **overrides: Any) -> dict[str, Any]:
    """A lead typed into a Salesforce-like partner CRM, as the partner transfers it."""
    lead = {"Id": lead_id, "Name": "Walk-in: Beta offices", "Company": "Beta BV",
            "AccountId__c": ACCOUNT, "FirstName": "Eva", "LastName": "de Vries",
            "StageName": "Qualification", "Probability": 20, "Amount": "800.00",
            "CurrencyIsoCode": "EUR", "CloseDate": "2027-01-31",
            "Tasks__r": [{"Id": "00T1", "Subject": "Call Eva", "Type": "Call",
                          "ActivityDate": "2026-12-01", "Status": "Not Started"}]}
    return lead | overrides


async def enrol_partners(hub: Hub, soap_url: str) -> None:
    """t-amqp and t-soap serve ACC-42; t-other serves ACC-77."""
    await enrol(hub, AMQP_PARTNER, {"kind": "amqp"}, ACCOUNT)
    await enrol(hub, SOAP_PARTNER, {"kind": "soap", "address": soap_url, "username": SOAP_USER,
                                    "secret_ref": SOAP_PARTNER}, ACCOUNT)
    await enrol(hub, OTHER_PARTNER, {"kind": "amqp"}, OTHER_ACCOUNT)
