"""The SOAP partner connector against the partner CRM simulator, over real HTTP on loopback."""

import datetime as dt
import functools
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from zeep import Client
from zeep.helpers import serialize_object
from zeep.plugins import HistoryPlugin

from connectors.soap_partner import SoapPartnerCrm, from_wire, to_wire, zeep_settings
from hub.canonical.opportunities import Opportunity
from hub.canonical.types import text_problem
from hub.hardened_xml import parse_xml
from hub.interfaces.ports import PartnerCrm, PartnerRefused, PartnerUnavailable
from hub.mappers.odoo_lead import NOT_XML, lead_to_opportunity, opportunity_to_lead, parse_lead
from simulators.fakes import InMemoryPartnerCrm
from simulators.soap_crm_simulator import WSDL_PATH, CrmState, start_simulator

GOLDEN = Path(__file__).parents[1] / "golden" / "leads"
PARTNER = "P-COMTEL"
USER, PASSWORD = "hub", "s3cret-for-tests"
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"
WSU = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any connection that would leave the machine."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise ConnectionRefusedError(f"test network is loopback only, not {address[0]}")

    def connect(self: socket.socket, address: Any) -> None:
        guard(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
async def simulator() -> AsyncIterator[tuple[str, CrmState]]:
    runner, url, state = await start_simulator(username=USER, password=PASSWORD)
    yield url, state
    await runner.cleanup()


async def connect(url: str, password: str = PASSWORD, **options: Any) -> SoapPartnerCrm:
    options = {"timeout": 5.0, "partner_id": PARTNER, **options}
    return await SoapPartnerCrm.load(WSDL_PATH, url, USER, password, **options)


@pytest.fixture
async def soap(simulator: tuple[str, CrmState]) -> AsyncIterator[SoapPartnerCrm]:
    crm = await connect(simulator[0])
    yield crm
    await crm.aclose()


@pytest.fixture(params=["in_memory", "soap"])
def crm(request: pytest.FixtureRequest) -> PartnerCrm:
    """Each port implementation, so the fake keeps the simulator's semantics."""
    if request.param == "in_memory":
        return InMemoryPartnerCrm(PARTNER)
    return request.getfixturevalue("soap")


def an_opportunity(**overrides: Any) -> Opportunity:
    """An opportunity whose fields every implementation carries unchanged."""
    fields = {
        "opportunity_id": "OPP-2025-0042", "name": "Fibre and mobile for Acme",
        "account": {"id": "ACC-42", "name": "Acme Logistics"},
        "stage": "proposal", "probability": 60, "close_date": "2025-09-30",
        "revenues": [{"product_code": "FIB-1G", "amount": "1200.00", "currency": "EUR"},
                     {"amount": "300.50", "currency": "EUR", "close_date": "2025-10-15"}],
        "contacts": [{"contact_id": "C-1", "first_name": "Ann", "last_name": "Lee",
                      "email": "ann.lee@acme.example", "role": "CTO"}],
        "notes": [{"note_id": "N-1", "author": "rep.jansen", "text": "Wants 1G fibre\nby Q4",
                   "created_at": "2025-06-01T10:00:00+00:00"}],
        "activities": [{"activity_id": "A-1", "kind": "meeting", "subject": "Site survey",
                        "due": "2025-06-05T00:00:00+00:00", "status": "planned"}],
    }
    return Opportunity.model_validate({**fields, **overrides})


def as_partner_has_it(o: Opportunity, lead_id: str) -> Opportunity:
    return o.model_copy(update={"external_ids": {PARTNER: lead_id}})


async def test_created_lead_reads_back_as_sent(crm: PartnerCrm) -> None:
    lead_id = await crm.create_lead(an_opportunity(), "key-1")
    assert await crm.get_lead(lead_id) == as_partner_has_it(an_opportunity(), lead_id)


async def test_same_idempotency_key_creates_one_lead(crm: PartnerCrm) -> None:
    first = await crm.create_lead(an_opportunity(), "key-1")
    again = await crm.create_lead(an_opportunity(name="Changed"), "key-1")
    other = await crm.create_lead(an_opportunity(), "key-2")
    assert again == first != other
    assert (await crm.get_lead(first)).name == "Fibre and mobile for Acme"


async def test_update_replaces_the_lead_once_per_key(crm: PartnerCrm) -> None:
    lead_id = await crm.create_lead(an_opportunity(), "key-1")
    await crm.update_lead(lead_id, an_opportunity(stage="closed_won", probability=100), "upd-1")
    await crm.update_lead(lead_id, an_opportunity(stage="closed_lost", probability=0), "upd-1")
    got = await crm.get_lead(lead_id)
    assert (got.stage, got.probability) == ("closed_won", 100)


async def test_unknown_lead_is_refused_as_not_found(crm: PartnerCrm) -> None:
    with pytest.raises(PartnerRefused) as refused:
        await crm.get_lead("L-404")
    with pytest.raises(PartnerRefused) as refused_update:
        await crm.update_lead("L-404", an_opportunity(), "upd-1")
    assert refused.value.code == refused_update.value.code == "partner.not_found"


async def test_partner_progress_reads_back_as_won_with_revenue(
    soap: SoapPartnerCrm, simulator: tuple[str, CrmState]
) -> None:
    lead_id = await soap.create_lead(an_opportunity(), "key-1")
    simulator[1].advance(lead_id, stage="Won", probability=100, expected_revenue="1800.00",
                         new_activity={"activity_type": "call", "summary": "Contract signed",
                                       "date_deadline": "2025-07-01", "state": "done"})
    got = await soap.get_lead(lead_id)
    assert (got.stage, got.probability) == ("closed_won", 100)
    assert [(r.amount, r.currency) for r in got.revenues] == [(Decimal("1800.00"), "EUR")]
    assert [(a.kind, a.subject, a.status) for a in got.activities[1:]] == [
        ("call", "Contract signed", "done")]


async def test_wrong_password_is_refused(simulator: tuple[str, CrmState]) -> None:
    crm = await connect(simulator[0], password="guessed")
    with pytest.raises(PartnerRefused) as refused:
        await crm.create_lead(an_opportunity(), "key-1")
    await crm.aclose()
    assert refused.value.code == "partner.unauthorized"
    assert simulator[1].leads == {}


@pytest.mark.parametrize("mode, code", [("hostile", "xml.dtd_forbidden"),
                                        ("huge", "xml.too_large"), ("fault", "partner.fault")])
async def test_answer_we_must_not_trust_is_refused(
    soap: SoapPartnerCrm, simulator: tuple[str, CrmState], mode: str, code: str
) -> None:
    simulator[1].mode = mode
    with pytest.raises(PartnerRefused) as refused:
        await soap.create_lead(an_opportunity(), "key-1")
    assert refused.value.code == code


async def test_partner_down_is_unavailable(
    soap: SoapPartnerCrm, simulator: tuple[str, CrmState]
) -> None:
    simulator[1].mode = "down"
    with pytest.raises(PartnerUnavailable, match="503"):
        await soap.create_lead(an_opportunity(), "key-1")


async def test_in_memory_partner_down_is_unavailable() -> None:
    fake = InMemoryPartnerCrm(PARTNER)
    fake.down = True
    with pytest.raises(PartnerUnavailable):
        await fake.create_lead(an_opportunity(), "key-1")
    assert fake.leads == {}


async def test_partner_slower_than_the_timeout_is_unavailable(
    simulator: tuple[str, CrmState]
) -> None:
    simulator[1].mode, simulator[1].slow_seconds = "slow", 30.0
    crm = await connect(simulator[0], timeout=0.2)
    with pytest.raises(PartnerUnavailable):
        await crm.get_lead("L-1")
    await crm.aclose()


async def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    crm = await connect(f"http://127.0.0.1:{port}/crm")
    with pytest.raises(PartnerUnavailable):
        await crm.get_lead("L-1")
    await crm.aclose()


async def test_create_request_matches_golden_envelope(soap: SoapPartnerCrm) -> None:
    history = HistoryPlugin()
    soap.client.plugins.append(history)
    await soap.create_lead(an_opportunity(), "key-1")
    sent = history.last_sent["envelope"]
    for volatile in (f"{WSSE}Password", f"{WSSE}Nonce", f"{WSU}Created"):
        sent.find(f".//{volatile}").text = volatile.rpartition("}")[2].upper()
    golden = etree.parse(str(GOLDEN / "odoo_create_lead_request.xml")).getroot()
    assert_same_xml(sent, golden)


async def test_simulator_refuses_a_request_with_a_doctype(simulator: tuple[str, CrmState]) -> None:
    hostile = (GOLDEN / "odoo_create_lead_request.xml").read_bytes().replace(
        b"<soap-env:Envelope", b'<!DOCTYPE x [<!ENTITY e "e">]>\n<soap-env:Envelope', 1)
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.post(simulator[0], content=hostile,
                                 headers={"Content-Type": "text/xml"})
    assert answer.status_code == 500
    assert parse_xml(answer.content).findtext(".//{urn:comtel:crm:v1}code") == "xml.dtd_forbidden"
    assert simulator[1].leads == {}


async def test_simulator_serves_its_wsdl_at_its_own_address(
    simulator: tuple[str, CrmState]
) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        answer = await http.get(simulator[0], params={"wsdl": ""})
    address = parse_xml(answer.content).find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == simulator[0]


def test_network_guard_refuses_to_leave_loopback() -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


# every text the canonical model accepts (tab, newlines and carriage return included)
wire_text = st.text(st.characters(exclude_categories=("Cs",)).filter(
    lambda c: not NOT_XML.match(c) and text_problem(c) is None), max_size=20)


@example(name=" a\r\nb\t ", subject="", note="x\ry &amp; <z/>", first="", due=None)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=wire_text.filter(str), subject=wire_text, note=wire_text, first=wire_text,
       due=st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)))
def test_any_text_survives_the_soap_wire(
    name: str, subject: str, note: str, first: str, due: dt.date | None
) -> None:
    o = an_opportunity(
        name=name, contacts=[{"contact_id": "C-1", "first_name": first, "last_name": "Lee"}],
        notes=[{"note_id": "N-1", "created_at": "2025-06-01T10:00:00+02:00", "text": note}],
        activities=[{"activity_id": "A-1", "kind": "task", "subject": subject, "status": "open",
                     "due": dt.datetime.combine(due, dt.time(), dt.UTC) if due else None}],
        external_ids={PARTNER: "L-1"})
    assert through_the_wire(o) == o


@functools.cache
def offline_client() -> Client:
    return Client(str(WSDL_PATH), settings=zeep_settings())


def through_the_wire(o: Opportunity) -> Opportunity:
    """Render the lead as zeep sends it, reparse it hardened, and read it as zeep would."""
    client = offline_client()
    element = client.get_element("{urn:comtel:crm:v1}GetLeadResponse")
    holder = etree.Element("holder")
    element.render(holder, element(lead=to_wire(opportunity_to_lead(o, PARTNER))))
    parsed = element.parse(parse_xml(etree.tostring(holder[0])), client.wsdl.types)
    return lead_to_opportunity(parse_lead(from_wire(serialize_object(parsed.lead, dict))), PARTNER)


def assert_same_xml(actual: etree._Element, expected: etree._Element, path: str = "") -> None:
    """Compare two trees node by node: names, attributes, text, children in order."""
    path = f"{path}/{etree.QName(actual).localname}"
    assert actual.tag == expected.tag, path
    assert dict(actual.attrib) == dict(expected.attrib), path
    assert (actual.text or "").strip() == (expected.text or "").strip(), path
    assert len(actual) == len(expected), path
    for mine, theirs in zip(actual, expected, strict=True):
        assert_same_xml(mine, theirs, path)
