"""The hub's own SOAP endpoint: a partner's CRM (zeep) transfers, updates and queries its leads
over real HTTP on loopback, and hostile or unauthenticated calls change nothing."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result
from zeep.exceptions import Fault

from hub.bootstrap import Hub
from hub.canonical.partners import PartnerSuspension
from hub.cli import app
from hub.client import HubCaller
from hub.hardened_xml import parse_xml
from hub.interfaces.partners.registry import suspend_partner
from hub.interfaces.partners.soap_identity import forget_used_nonces
from hub.interfaces.request import Request
from hub.sealed_secrets import SealedSecrets, new_key
from hub.settings import Settings
from hub.soap.envelope import HUB
from hub.store.database import open_database
from hub.store.partner_tables import SoapCredentialRow
from tests.support.hubs import hub_settings, purge_asi_queues, running_hub
from tests.support.namespace import NAMESPACE
from tests.support.shared_hubs import SharedHub, shared_for, shared_hub_on
from tests.support.soap_partners import (
    ACCOUNT,
    OTHER_ACCOUNT,
    PartnerCrm,
    an_odoo_lead,
    enrol_soap_partner,
    fault_codes,
    signed_envelope,
    what_the_hub_holds,
)

pytestmark = pytest.mark.integration
COMTEL, GLOBEX = f"t-comtel{NAMESPACE}", f"t-globex{NAMESPACE}"
CRM_USER, CRM_PASSWORD = "comtel-crm", "a-long-password-for-comtel"
OTHER_USER, OTHER_PASSWORD = "globex-crm", "a-long-password-for-globex"
WSDL_ADDRESS = "{http://schemas.xmlsoap.org/wsdl/soap/}address"


def soap_hub_settings(amqp_url: str, database_url: str) -> Settings:
    return hub_settings(amqp_url, database_url, HUB_SOAP_ADDR="127.0.0.1:0",
                        HUB_SECRET_KEY=new_key(), HUB_SOAP_MAX_BYTES=256 * 1024)


@pytest.fixture(scope="module")
async def shared_soap_hub(amqp_url: str, database_kind: str, postgres_url: str,
                          sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                          ) -> AsyncIterator[SharedHub]:
    """The SOAP endpoint's hub the module's tests share (``tests/support/shared_hubs.py``)."""
    shared = shared_hub_on(database_kind, postgres_url, sqlite_template, tmp_path_factory,
                           lambda url: soap_hub_settings(amqp_url, url))
    yield shared
    await shared.close()


@pytest.fixture
async def soap_settings(request: pytest.FixtureRequest, amqp_url: str, database_url: str
                        ) -> Settings:
    if (shared := shared_for(request)) is not None:
        return shared.settings
    settings = soap_hub_settings(amqp_url, database_url)
    await purge_asi_queues(settings)
    return settings


@pytest.fixture
async def soap_hub(shared_soap_hub: SharedHub) -> AsyncIterator[Hub]:
    """The module's SOAP hub, emptied, with two SOAP partners enrolled."""
    hub = await shared_soap_hub.acquire()
    await enrol_soap_partner(hub, COMTEL, ACCOUNT, CRM_USER, CRM_PASSWORD)
    await enrol_soap_partner(hub, GLOBEX, OTHER_ACCOUNT, OTHER_USER, OTHER_PASSWORD)
    yield hub
    await shared_soap_hub.release()


@pytest.fixture
def url(soap_hub: Hub) -> str:
    assert soap_hub.soap is not None and soap_hub.soap.url is not None
    return soap_hub.soap.url


@pytest.fixture
async def comtel(url: str) -> PartnerCrm:
    return await PartnerCrm.connect(url, CRM_USER, CRM_PASSWORD)


@pytest.fixture
async def globex(url: str) -> PartnerCrm:
    return await PartnerCrm.connect(url, OTHER_USER, OTHER_PASSWORD)


async def refused(call) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    with pytest.raises(Fault) as fault:
        await call
    return fault_codes(fault.value)


async def test_a_partner_transfers_its_lead_over_soap_and_queries_it_back(
    soap_hub: Hub, comtel: PartnerCrm, caller: HubCaller
):
    answer = await comtel.transfer("req-1", an_odoo_lead("L-501"))
    found = await comtel.get(f"{COMTEL}.L-501")

    assert (answer.opportunity_id, answer.partner_id, answer.transfer_status,
            answer.external_id) == (f"{COMTEL}.L-501", COMTEL, "transfer_successful", "L-501")
    [received] = await caller.wait_for("opportunity.received", partner_id=COMTEL)
    opportunity = received.json()["data"]["opportunity"]
    assert (opportunity["name"], opportunity["stage"], opportunity["account"]["id"]) == (
        "Walk-in: Gamma offices", "qualification", ACCOUNT)
    assert [r["amount"] for r in opportunity["revenues"]] == ["800.00"]
    assert found.opportunity_id == f"{COMTEL}.L-501"
    assert (found.lead.id, found.lead.x_hub_ref, found.lead.stage, found.lead.name) == (
        "L-501", f"{COMTEL}.L-501", "Qualified", "Walk-in: Gamma offices")
    assert [a.summary for a in found.lead.x_activities.activity] == ["Call Eva"]


async def test_a_partner_updates_its_shared_lead_over_soap(
    soap_hub: Hub, comtel: PartnerCrm, caller: HubCaller
):
    await comtel.transfer("req-1", an_odoo_lead("L-502"))
    won = an_odoo_lead("L-502", stage="Won", probability=100, expected_revenue="950.00")

    answer = await comtel.update("req-2", won)
    found = await comtel.get(f"{COMTEL}.L-502")

    assert answer.transfer_status == "update_successful"
    [updated] = await caller.wait_for("opportunity.updated", partner_id=COMTEL)
    assert updated.json()["data"]["opportunity"]["stage"] == "closed_won"
    assert (found.lead.stage, found.lead.expected_revenue) == ("Won", 950)


async def test_a_resent_request_gets_the_same_answer_and_changes_nothing_more(
    soap_hub: Hub, comtel: PartnerCrm
):
    first = await comtel.transfer("req-7", an_odoo_lead("L-507"))
    holding = await what_the_hub_holds(soap_hub)
    # the partner's CRM sends again (a new token, same request id) after a lost answer
    again = await comtel.transfer("req-7", an_odoo_lead("L-507", name="Changed meanwhile"))

    assert again == first
    assert await what_the_hub_holds(soap_hub) == holding
    assert (await comtel.get(f"{COMTEL}.L-507")).lead.name == "Walk-in: Gamma offices"
    # the same id names another request on another operation
    updated = await comtel.update("req-7", an_odoo_lead("L-507", stage="Lost", probability=0))
    assert updated.transfer_status == "update_successful"


async def test_a_refused_transfer_is_a_fault_with_the_hubs_codes(
    soap_hub: Hub, comtel: PartnerCrm
):
    holding = await what_the_hub_holds(soap_hub)

    elsewhere = await refused(comtel.transfer("req-1", an_odoo_lead(x_account_ref=OTHER_ACCOUNT)))
    not_ours = await refused(comtel.transfer("req-2", an_odoo_lead(x_hub_ref="OPP-NOT-OURS")))
    no_id = await refused(comtel.transfer("req-3", an_odoo_lead(id=None)))

    assert elsewhere == [("partner.account_not_assigned", "lead.x_account_ref")]
    assert not_ours == [("opportunity.not_shared", "lead.x_hub_ref")]
    assert no_id == [("lead.id_missing", "lead.id")]
    assert await what_the_hub_holds(soap_hub) == holding


async def test_another_partners_opportunity_is_not_shared_and_stays_as_it_was(
    soap_hub: Hub, comtel: PartnerCrm, globex: PartnerCrm
):
    await comtel.transfer("req-1", an_odoo_lead("L-510"))
    holding = await what_the_hub_holds(soap_hub)
    stolen = an_odoo_lead("L-510", x_hub_ref=f"{COMTEL}.L-510", x_account_ref=OTHER_ACCOUNT,
                          stage="Lost", probability=0)

    update = await refused(globex.update("req-1", stolen))
    query = await refused(globex.get(f"{COMTEL}.L-510"))

    assert update == [("opportunity.not_shared", "lead.x_hub_ref")]
    assert query == [("opportunity.not_shared", "opportunity_id")]
    assert await what_the_hub_holds(soap_hub) == holding


async def test_a_suspended_partner_is_refused(soap_hub: Hub, comtel: PartnerCrm):
    await suspend_partner(PartnerSuspension(partner_id=COMTEL),
                          Request(operation="partner.suspend", message_id="suspend-comtel"),
                          soap_hub.new_uow())
    assert await refused(comtel.transfer("req-1", an_odoo_lead())) == [
        ("partner.not_approved", None)]


@pytest.mark.parametrize("user, password", [(CRM_USER, "a-guessed-password"),
                                            ("nobody", CRM_PASSWORD)])
async def test_a_wrong_password_or_user_is_refused_and_changes_nothing(
    soap_hub: Hub, url: str, user: str, password: str
):
    holding = await what_the_hub_holds(soap_hub)
    intruder = await PartnerCrm.connect(url, user, password)

    with pytest.raises(Fault) as fault:
        await intruder.transfer("req-1", an_odoo_lead())

    assert fault.value.code == "wsse:FailedAuthentication"
    assert fault_codes(fault.value) == [("soap.unauthenticated", "Security")]
    assert await what_the_hub_holds(soap_hub) == holding


async def test_a_replayed_nonce_is_refused_by_every_worker(
    soap_hub: Hub, soap_settings: Settings, url: str
):
    token = {"nonce": "replayed-nonce-1", "created": datetime.now(UTC)}
    first = await PartnerCrm.connect(url, CRM_USER, CRM_PASSWORD, **token)
    await first.transfer("req-1", an_odoo_lead("L-520"))
    holding = await what_the_hub_holds(soap_hub)

    async with running_hub(soap_settings, beside_shared=True) as second_worker:
        assert second_worker.soap is not None and second_worker.soap.url != url
        replay = await PartnerCrm.connect(second_worker.soap.url, CRM_USER, CRM_PASSWORD,
                                          **token)
        at_second = await refused(replay.transfer("req-2", an_odoo_lead("L-521")))
    at_first = await refused(first.transfer("req-3", an_odoo_lead("L-522")))

    assert at_second == at_first == [("soap.nonce_replayed", "Security.Nonce")]
    assert await what_the_hub_holds(soap_hub) == holding


@pytest.mark.parametrize("age", [timedelta(hours=-1), timedelta(hours=1)])
async def test_a_token_created_too_long_ago_or_ahead_is_refused(
    soap_hub: Hub, url: str, age: timedelta
):
    holding = await what_the_hub_holds(soap_hub)
    stale = await PartnerCrm.connect(url, CRM_USER, CRM_PASSWORD,
                                     created=datetime.now(UTC) + age)
    with pytest.raises(Fault) as fault:
        await stale.transfer("req-1", an_odoo_lead())
    assert fault.value.code == "wsse:MessageExpired"
    assert fault_codes(fault.value) == [("soap.message_expired", "Security.Created")]
    assert await what_the_hub_holds(soap_hub) == holding


async def test_the_wsdl_is_served_with_the_endpoints_own_address(url: str):
    async with httpx.AsyncClient(trust_env=False) as http:
        wsdl = await http.get(url, params={"wsdl": ""})
        bare = await http.get(url)
    assert wsdl.status_code == 200
    assert parse_xml(wsdl.content).find(f".//{WSDL_ADDRESS}").get("location") == url
    assert bare.status_code == 404


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)) + "]>")
HOSTILE = {
    "billion laughs": lambda e: e.replace(b"<soap-env:Envelope", LAUGHS.encode()
                                          + b"<soap-env:Envelope", 1
                                          ).replace(b"Walk-in: Gamma offices", b"&lol9;"),
    "external entity": lambda e: e.replace(
        b"<soap-env:Envelope", b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<soap-env:Envelope", 1).replace(b"Walk-in: Gamma offices", b"&xxe;"),
    "10 MB": lambda e: e.replace(b"<soap-env:Body>", b"<soap-env:Body><!--"
                                 + b"x" * 10 * 1024 * 1024 + b"-->", 1),
    "deep nesting": lambda e: e.replace(b"</ns0:company_currency>", b"</ns0:company_currency>"
                                        + b"<x>" * 64 + b"</x>" * 64, 1),
}
CODES = {"billion laughs": "xml.dtd_forbidden", "external entity": "xml.dtd_forbidden",
         "10 MB": "xml.too_large", "deep nesting": "xml.too_deep"}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
async def test_a_hostile_body_is_answered_with_a_fault_and_changes_nothing(
    soap_hub: Hub, url: str, attack: str
):
    holding = await what_the_hub_holds(soap_hub)
    body = HOSTILE[attack](signed_envelope(CRM_USER, CRM_PASSWORD, an_odoo_lead("L-666")))

    async with httpx.AsyncClient(trust_env=False, timeout=60) as http:
        answer = await http.post(url, content=body, headers={"Content-Type": "text/xml"})

    assert answer.status_code == 500
    fault = parse_xml(answer.content)
    assert fault.findtext(".//faultcode") == "soap:Client"
    assert fault.findtext(f".//{{{HUB}}}code") == CODES[attack]
    assert await what_the_hub_holds(soap_hub) == holding


async def test_a_body_too_large_is_refused_while_it_streams_in(soap_hub: Hub, url: str):
    holding = await what_the_hub_holds(soap_hub)

    async def chunks():  # no Content-Length: the hub counts as it reads
        yield signed_envelope(CRM_USER, CRM_PASSWORD, an_odoo_lead())[:200]
        for _ in range(160):
            yield b"<!--" + b"x" * 64 * 1024 + b"-->"

    async with httpx.AsyncClient(trust_env=False, timeout=60) as http:
        answer = await http.post(url, content=chunks(), headers={"Content-Type": "text/xml"})

    assert parse_xml(answer.content).findtext(f".//{{{HUB}}}code") == "xml.too_large"
    assert await what_the_hub_holds(soap_hub) == holding


async def test_the_untouched_envelope_of_those_attacks_is_served(soap_hub: Hub, url: str):
    body = signed_envelope(CRM_USER, CRM_PASSWORD, an_odoo_lead("L-667"))
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.post(url, content=body, headers={"Content-Type": "text/xml"})
    assert answer.status_code == 200, answer.text
    assert parse_xml(answer.content).findtext(f".//{{{HUB}}}opportunity_id") == f"{COMTEL}.L-667"


async def test_operators_give_a_partner_soap_credentials_kept_sealed(tmp_path, monkeypatch):
    key = new_key()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    await hub_command("partner", "register", "comtel", "--name", "ComTel", "--kind", "soap",
                      "--address", "http://127.0.0.1:1/crm", "--username", "hub",
                      "--secret-ref", "comtel")
    await hub_command("partner", "register", "globex", "--name", "Globex", "--kind", "soap",
                      "--address", "http://127.0.0.1:1/crm", "--username", "hub",
                      "--secret-ref", "globex")
    await hub_command("partner", "register", "northwind", "--name", "Northwind")
    no_key = await hub_command("partner", "soap-credentials", "comtel", "--username", "crm",
                               "--password-stdin", input=f"{CRM_PASSWORD}\n")
    monkeypatch.setenv("HUB_SECRET_KEY", key)

    given = await hub_command("partner", "soap-credentials", "comtel", "--username", "crm",
                              "--password-stdin", input=f"{CRM_PASSWORD}\n")
    taken = await hub_command("partner", "soap-credentials", "globex", "--username", "crm",
                              "--password-stdin", input=f"{CRM_PASSWORD}\n")
    salesforce = await hub_command("partner", "soap-credentials", "northwind", "--username",
                                   "nw", "--password-stdin", input=f"{CRM_PASSWORD}\n")
    unknown = await hub_command("partner", "soap-credentials", "nobody", "--username", "x",
                                "--password-stdin", input=f"{CRM_PASSWORD}\n")
    weak = await hub_command("partner", "soap-credentials", "comtel", "--username", "crm",
                             "--password-stdin", input="short\n")
    generated = await hub_command("partner", "soap-credentials", "comtel", "--username", "crm2")

    assert (no_key.exit_code, given.exit_code, generated.exit_code) == (1, 0, 0), given.output
    assert "HUB_SECRET_KEY" in no_key.output
    assert "partner.soap_username_taken" in taken.output
    assert "partner.vocabulary_not_served" in salesforce.output  # the WSDL's leads are Odoo's
    assert "partner.unknown" in unknown.output
    assert "partner.soap_password_weak" in weak.output
    password = generated.output.split("password (shown once): ")[1].strip()
    [(username, sealed)] = await _stored_credentials(tmp_path / "cli.db")
    assert username == "crm2" and password not in sealed
    assert SealedSecrets(key).open(sealed) == password
    assert SealedSecrets(new_key()).open(sealed) is None


async def hub_command(*args: str, input: str | None = None) -> Result:
    """Run ``hub ARGS`` in a thread: the command runs an event loop of its own."""
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), input=input)


async def _stored_credentials(path) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    database = open_database(f"sqlite:///{path}")
    try:
        async with database.sessions() as session:
            rows = await session.execute(select(SoapCredentialRow.username,
                                                SoapCredentialRow.sealed_password))
            return [tuple(row) for row in rows]
    finally:
        await database.dispose()


async def test_used_nonces_are_forgotten_once_no_fresh_token_could_carry_them(
    soap_hub: Hub, comtel: PartnerCrm
):
    await comtel.transfer("req-1", an_odoo_lead("L-530"))
    await comtel.get(f"{COMTEL}.L-530")
    later = datetime.now(UTC) + timedelta(seconds=soap_hub.settings.soap_freshness_seconds)

    assert await forget_used_nonces(soap_hub.new_uow()) == 0
    assert await forget_used_nonces(soap_hub.new_uow(), later + timedelta(seconds=5)) == 2


async def test_a_call_with_a_traceparent_continues_the_callers_trace(
    soap_hub: Hub, url: str, caller: HubCaller
):
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    body = signed_envelope(CRM_USER, CRM_PASSWORD, an_odoo_lead("L-TRACE"), "req-trace")
    async with httpx.AsyncClient(trust_env=False) as http:
        answered = await http.post(url, content=body, headers={
            "content-type": "text/xml; charset=utf-8",
            "traceparent": f"00-{trace_id}-b7ad6b7169203331-01"})
    assert answered.status_code == 200, answered.text

    [received] = await caller.wait_for("opportunity.received", partner_id=COMTEL)
    assert str(received.headers.get("traceparent", "")).split("-")[1:2] == [trace_id]


async def test_a_call_without_trace_context_starts_a_trace_of_its_own(
    soap_hub: Hub, url: str, caller: HubCaller
):
    body = signed_envelope(CRM_USER, CRM_PASSWORD, an_odoo_lead("L-NOTRACE"), "req-notrace")
    async with httpx.AsyncClient(trust_env=False) as http:
        answered = await http.post(url, content=body,
                                   headers={"content-type": "text/xml; charset=utf-8"})
    assert answered.status_code == 200, answered.text

    [received] = await caller.wait_for("opportunity.received", partner_id=COMTEL)
    trace_id = str(received.headers.get("traceparent", "")).split("-")[1]
    assert len(trace_id) == 32 and trace_id != "0" * 32
