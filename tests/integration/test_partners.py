"""The partner channel over the real broker: the registry, each partner on its own vhost with its
own user, what a partner may and may not do, and `hub partner ...` for operators."""

import asyncio
import subprocess
from typing import Any

import aio_pika
import aiormq
import pytest
from typer.testing import CliRunner, Result

from connectors.rabbitmq_admin import partner_access, revoke
from hub.cli import app
from hub.client import HubCaller
from hub.delivery.partner_topology import REPLIES_QUEUE, vhost_of, vhost_url
from hub.settings import Settings
from simulators.amqp_crm_simulator import AmqpCrmSimulator
from tests.support.hubs import dead_letters
from tests.support.partners import (
    ACCOUNT,
    AMQP_PARTNER,
    CLI_PARTNER,
    OTHER_ACCOUNT,
    OTHER_PARTNER,
    a_partner_lead,
    an_opportunity,
    partner_dead_letters,
    partner_url,
)

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.support.partner_fixtures"]


def a_registration(partner_id: str = "comtel", **changes: Any) -> dict[str, Any]:
    return {"partner_id": partner_id, "name": "ComTel Networks",
            "connector": {"kind": "soap", "address": "http://127.0.0.1:8099/crm",
                          "username": "hub", "secret_ref": "comtel"},
            "accounts": ["ACC-1", "ACC-2"]} | changes


async def test_a_partner_applies_is_approved_then_suspended_and_each_step_is_announced(
    channel_hub, caller: HubCaller
):
    applied = (await caller.call("partner.register", a_registration())).json()
    approved = (await caller.call("partner.approve", {"partner_id": "comtel",
                                                      "accounts": ["ACC-3"]})).json()
    suspended = (await caller.call("partner.suspend", {"partner_id": "comtel",
                                                       "reason": "unpaid invoices"})).json()

    assert [r["result"] for r in (applied, approved, suspended)] == [
        {"partner_id": "comtel", "status": s} for s in ("applied", "approved", "suspended")]
    events = await caller.wait_for("partner.status_changed", count=3, partner_id="comtel")
    assert [(e.json()["data"]["previous_status"], e.json()["data"]["status"]) for e in events] == [
        (None, "applied"), ("applied", "approved"), ("approved", "suspended")]
    assert events[-1].json()["data"]["reason"] == "unpaid invoices"
    again = (await caller.call("partner.approve", {"partner_id": "comtel"})).json()
    assert again["result"]["status"] == "approved"


REGISTRY_REFUSALS = {
    "partner.exists": ("partner.register", a_registration(AMQP_PARTNER)),
    "partner.unknown": ("partner.approve", {"partner_id": "nobody"}),
    "partner.already_approved": ("partner.approve", {"partner_id": AMQP_PARTNER}),
    "partner.connector_invalid": ("partner.register", a_registration(connector={"kind": "soap"})),
    "partner.connector_kind_unknown": ("partner.register",
                                       a_registration(connector={"kind": "ftp"})),
    "partner.vocabulary_unknown": ("partner.register", a_registration(vocabulary="klingon")),
    "request.field_missing": ("partner.register", {"partner_id": "x", "name": "X"}),
    "request.field_invalid": ("partner.register", a_registration("Not A Username")),
}


@pytest.mark.parametrize("code", sorted(REGISTRY_REFUSALS))
async def test_bad_registry_request_is_refused_with_its_code_and_dead_lettered(
    channel_hub, caller: HubCaller, amqp_url, code
):
    operation, body = REGISTRY_REFUSALS[code]
    reply = (await caller.call(operation, body)).json()
    assert reply["status"] == "rejected"
    assert reply["errors"][0]["code"] == code
    [dead] = await eventually(lambda: dead_letters(amqp_url, operation))
    assert dead.headers["x-hub-error-code"] == code


async def test_suspending_twice_is_refused(channel_hub, caller: HubCaller):
    await caller.call("partner.suspend", {"partner_id": OTHER_PARTNER})
    reply = (await caller.call("partner.suspend", {"partner_id": OTHER_PARTNER})).json()
    assert reply["errors"][0]["code"] == "partner.already_suspended"


async def test_a_partner_transfers_its_own_lead_to_the_brand_owner(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    reply = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q9001")})

    assert reply["status"] == "accepted"
    assert reply["result"] == {"opportunity_id": f"{AMQP_PARTNER}.00Q9001", "partner_id": AMQP_PARTNER,
                               "transfer_status": "transfer_successful",
                               "external_id": "00Q9001", "reason": None}
    [received] = await caller.wait_for("opportunity.received", partner_id=AMQP_PARTNER)
    opportunity = received.json()["data"]["opportunity"]
    assert (opportunity["name"], opportunity["stage"], opportunity["account"]["id"]) == (
        "Walk-in: Beta offices", "qualification", ACCOUNT)
    assert [(c["first_name"], c["last_name"]) for c in opportunity["contacts"]] == [
        ("Eva", "de Vries")]
    assert [r["amount"] for r in opportunity["revenues"]] == ["800.00"]
    assert [a["subject"] for a in opportunity["activities"]] == ["Call Eva"]
    assert opportunity["external_ids"] == {AMQP_PARTNER: "00Q9001"}


async def test_a_partner_updates_and_queries_its_shared_lead(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q9002")})
    update = a_partner_lead("00Q9002", StageName="Closed Won", Probability=100,
                            Amount="950.00")
    reply = await amqp_crm.call("opportunity.update", {"lead": update})
    queried = await amqp_crm.call("opportunity.query", {"opportunity_id": f"{AMQP_PARTNER}.00Q9002"})

    assert reply["result"]["transfer_status"] == "update_successful"
    [updated] = await caller.wait_for("opportunity.updated", partner_id=AMQP_PARTNER)
    assert updated.json()["data"]["opportunity"]["stage"] == "closed_won"
    assert queried["status"] == "ok"
    assert (queried["result"]["lead"]["StageName"], queried["result"]["lead"]["Amount"]) == (
        "Closed Won", "950.00")


async def test_a_partner_updates_an_opportunity_the_brand_owner_transferred_to_it(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    sent = (await caller.call("opportunity.transfer", {
        "opportunity": an_opportunity("OPP-BACK"), "partner_id": AMQP_PARTNER})).json()
    lead = dict(amqp_crm.leads[sent["result"]["external_id"]], StageName="Negotiation/Review")

    reply = await amqp_crm.call("opportunity.update", {"lead": lead})

    assert reply["result"]["opportunity_id"] == "OPP-BACK"
    [updated] = await caller.wait_for("opportunity.updated", opportunity_id="OPP-BACK")
    assert updated.json()["data"]["opportunity"]["stage"] == "negotiation"


async def test_a_partner_cannot_touch_what_is_not_shared_with_it(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator, other_crm: AmqpCrmSimulator, amqp_url
):
    await caller.call("opportunity.transfer", {"opportunity": an_opportunity("OPP-MINE"),
                                               "partner_id": AMQP_PARTNER})
    stolen = a_partner_lead("00Q1", ExternalId__c="OPP-MINE", AccountId__c=OTHER_ACCOUNT)

    update = await other_crm.call("opportunity.update", {"lead": stolen})
    query = await other_crm.call("opportunity.query", {"opportunity_id": "OPP-MINE"})

    assert update["errors"][0]["code"] == "opportunity.not_shared"
    assert query["errors"][0]["code"] == "opportunity.not_shared"
    assert caller.matching("opportunity.updated") == []
    [dead] = await eventually(lambda: partner_dead_letters(amqp_url, OTHER_PARTNER,
                                                           "opportunity.update"))
    assert dead.headers["x-hub-error-code"] == "opportunity.not_shared"


PARTNER_REFUSALS = {
    "partner.account_not_assigned": ({"lead": a_partner_lead(AccountId__c=OTHER_ACCOUNT)},
                                     "lead.AccountId__c"),
    "lead.id_missing": ({"lead": a_partner_lead(Id=None)}, "lead.Id"),
    "lead.stage_unknown": ({"lead": a_partner_lead(StageName="Needs Analysis")},
                           "lead.StageName"),
    "lead.missing": ({"lead": {"Id": "00Q7"}}, "lead.Name"),
    "opportunity.not_shared": ({"lead": a_partner_lead(ExternalId__c="OPP-NOT-OURS")},
                               "lead.ExternalId__c"),
    "request.field_missing": ({"leads": []}, "lead"),
}


@pytest.mark.parametrize("code", sorted(PARTNER_REFUSALS))
async def test_a_bad_partner_transfer_is_refused_in_its_own_vhost(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator, amqp_url, code
):
    body, path = PARTNER_REFUSALS[code]
    reply = await amqp_crm.call("opportunity.transfer", body)

    assert reply["status"] == "rejected"
    assert (reply["errors"][0]["code"], reply["errors"][0]["path"]) == (code, path)
    [dead] = await eventually(lambda: partner_dead_letters(amqp_url, AMQP_PARTNER,
                                                           "opportunity.transfer"))
    assert dead.headers["x-hub-error-code"] == code
    assert caller.matching("opportunity.received") == []


async def test_a_partner_lead_transferred_twice_is_refused(amqp_crm: AmqpCrmSimulator):
    await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q5")})
    again = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q5")})
    assert again["errors"][0]["code"] == "opportunity.already_transferred"


async def test_a_request_without_user_id_is_refused(amqp_crm: AmqpCrmSimulator):
    reply = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead()},
                                user_id=None)
    assert reply["errors"][0]["code"] == "partner.identity_missing"


async def test_a_suspended_partner_is_refused(caller: HubCaller, amqp_crm: AmqpCrmSimulator):
    await caller.call("partner.suspend", {"partner_id": AMQP_PARTNER})
    reply = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead()})
    assert reply["errors"][0]["code"] == "partner.not_approved"


async def test_the_hubs_own_user_on_a_partner_vhost_is_not_that_partner(
    channel_hub, amqp_url
):
    admin = AmqpCrmSimulator(vhost_url(amqp_url, vhost_of(AMQP_PARTNER)), AMQP_PARTNER)
    async with admin:
        reply = await admin.call("opportunity.transfer", {"lead": a_partner_lead()},
                                 user_id="guest")
    assert reply["errors"][0]["code"] == "partner.identity_mismatch"


async def test_a_partner_message_id_cannot_read_the_brand_owners_inbox(
    caller: HubCaller, amqp_crm: AmqpCrmSimulator
):
    mine = await caller.call("partner.register", a_registration("brand-only"),
                             message_id="shared-id")
    theirs = await amqp_crm.call("opportunity.transfer", {"lead": a_partner_lead("00Q8")},
                                 message_id="shared-id")
    assert mine.json()["operation"] == "partner.register"
    assert theirs["operation"] == "opportunity.transfer"
    assert theirs["result"]["external_id"] == "00Q8"


async def test_partner_users_are_confined_to_their_own_vhost(channel_hub, amqp_url):
    # the broker answers the vhost's opening with Connection.Close (530 NOT_ALLOWED)
    refused = "got <Connection.Close"
    with pytest.raises(aiormq.exceptions.InvalidFrameError, match=refused):
        await aio_pika.connect(partner_url(amqp_url, OTHER_PARTNER, vhost=vhost_of(AMQP_PARTNER)))
    with pytest.raises(aiormq.exceptions.InvalidFrameError, match=refused):
        await aio_pika.connect(partner_url(amqp_url, AMQP_PARTNER, vhost="/"))
    assert _rabbitmqctl("list_user_permissions", OTHER_PARTNER).split()[0] == vhost_of(OTHER_PARTNER)
    assert len(_rabbitmqctl("list_user_permissions", OTHER_PARTNER).splitlines()) == 1


DENIED = {
    "read the hub's request queue": lambda ch: _consume(ch, "asi.opportunity.transfer"),
    "read a dead-letter queue": lambda ch: _consume(ch, "asi.opportunity.transfer.dlq"),
    "publish to the dead-letter exchange": lambda ch: _publish(ch, "hub.dlx", "asi.x"),
    "publish to the default exchange": lambda ch: _publish(ch, "", REPLIES_QUEUE),
    "publish an operation it is not given": lambda ch: _publish(ch, "hub.asi", "order.approve"),
    "publish a catalog sync": lambda ch: _publish(ch, "hub.asi", "catalog.sync"),
    "read the hub's order queue": lambda ch: _consume(ch, "asi.order.submit"),
    "declare a queue": lambda ch: ch.declare_queue("mine", durable=True),
    "bind a queue": lambda ch: _bind(ch),
}


@pytest.mark.parametrize("attempt", sorted(DENIED))
async def test_a_partner_user_is_refused_what_it_was_not_granted(channel_hub, amqp_url,
                                                                 attempt):
    connection = await aio_pika.connect(partner_url(amqp_url, AMQP_PARTNER))
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        with pytest.raises(aiormq.exceptions.ChannelAccessRefused, match="ACCESS_REFUSED"):
            await DENIED[attempt](channel)


async def test_the_broker_refuses_a_spoofed_user_id(channel_hub, amqp_url):
    connection = await aio_pika.connect(partner_url(amqp_url, OTHER_PARTNER))
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("hub.asi", ensure=False)
        with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed, match="user_id"):
            await exchange.publish(aio_pika.Message(b"{}", user_id=AMQP_PARTNER),
                                   routing_key="opportunity.transfer")


async def test_operators_register_approve_suspend_and_list_partners(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    register = await hub_command("partner", "register", "comtel", "--name", "ComTel",
                                 "--kind", "soap", "--address", "http://127.0.0.1:1/crm",
                                 "--username", "hub", "--secret-ref", "comtel",
                                 "--account", "ACC-1")
    approve = await hub_command("partner", "approve", "comtel", "--account", "ACC-2")
    twice = await hub_command("partner", "approve", "comtel")
    bad = await hub_command("partner", "register", "x", "--name", "X", "--kind", "soap")
    suspend = await hub_command("partner", "suspend", "comtel", "--reason", "audit")
    listing = await hub_command("partner", "list")

    assert (register.exit_code, approve.exit_code, suspend.exit_code) == (0, 0, 0)
    assert register.output.strip() == "comtel: applied"
    assert (twice.exit_code, bad.exit_code) == (1, 1)
    assert "partner.already_approved" in twice.output
    assert "partner.connector_invalid" in bad.output
    assert listing.output.split("\t")[:5] == ["comtel", "suspended", "soap/odoo", "-",
                                              "ACC-1,ACC-2"]


async def test_provision_creates_a_vhost_a_user_and_only_the_permissions_it_needs(
    tmp_path, monkeypatch, amqp_url
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("AMQP_URL", amqp_url)
    await hub_command("partner", "register", CLI_PARTNER, "--name", "CLI partner")
    try:
        result = await hub_command("partner", "provision", CLI_PARTNER, "--password", "cli-pw")
        assert result.exit_code == 0, result.output
        assert f"vhost {vhost_of(CLI_PARTNER)}" in result.output
        permissions = _rabbitmqctl("list_user_permissions", CLI_PARTNER)
        assert permissions.split() == [vhost_of(CLI_PARTNER), "^$", r"^hub\.asi$",
                                       r"^(partner\.replies|partner\.inbound|partner\.events)$"]
        connection = await aio_pika.connect(partner_url(amqp_url, CLI_PARTNER, "cli-pw"))
        await connection.close()
        listing = await hub_command("partner", "list")
        assert vhost_of(CLI_PARTNER) in listing.output
    finally:
        await revoke(partner_access(Settings(amqp_url=amqp_url), CLI_PARTNER))


async def hub_command(*args: str) -> Result:
    """Run ``hub ARGS`` in a thread: the command runs an event loop of its own."""
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


async def eventually(read: Any) -> list:
    for _ in range(50):
        if found := await read():
            return found
        await asyncio.sleep(0.1)
    return []


async def _consume(channel: aio_pika.abc.AbstractChannel, queue: str) -> None:
    async def ignore(_: aio_pika.abc.AbstractIncomingMessage) -> None:
        return None

    await (await channel.get_queue(queue, ensure=False)).consume(ignore)


async def _publish(channel: aio_pika.abc.AbstractChannel, exchange: str, key: str) -> None:
    target = channel.default_exchange if not exchange else await channel.get_exchange(
        exchange, ensure=False)
    await target.publish(aio_pika.Message(b"{}"), routing_key=key)


async def _bind(channel: aio_pika.abc.AbstractChannel) -> None:
    await (await channel.get_queue(REPLIES_QUEUE, ensure=False)).bind("hub.asi", "#")


def _rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "--quiet", "--no-table-headers", *args],
                          capture_output=True, text=True, check=True).stdout

