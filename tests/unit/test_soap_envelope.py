"""Reading SOAP calls to the hub (token, operation, lead) and writing faults: pure, no I/O."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from zeep import Client
from zeep.wsse.username import UsernameToken as ZeepToken

from connectors.soap_partner import zeep_settings
from hub.errors import Rejected, error
from hub.hardened_xml import UnsafeXml, parse_xml
from hub.mappers.odoo_lead import parse_lead
from hub.mappers.odoo_lead_xml import lead_from_xml, lead_to_xml
from hub.soap.endpoint import WSDL_PATH
from hub.soap.envelope import HUB, fault, read_call
from hub.soap.username_token import UsernameToken, check_fresh, password_digest
from tests.support.soap_partners import an_odoo_lead, wire

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def a_call(operation: str = "TransferLead", password: str = "a-long-password", **token):
    """The envelope zeep (as a partner's CRM) sends, from the hub's own WSDL."""
    client = Client(str(WSDL_PATH), settings=zeep_settings(),
                    wsse=ZeepToken("comtel-crm", password, use_digest=True, **token))
    arguments = {"TransferLead": {"request_id": "req-1", "lead": wire(an_odoo_lead())},
                 "GetOpportunity": {"opportunity_id": "OPP-1"}}[operation]
    return etree.tostring(client.create_message(client.service, operation, **arguments))


def test_a_partners_call_reads_back_as_its_operation_token_and_lead():
    call = read_call(a_call(created=NOW), 1 << 20)

    assert (call.operation, call.text("request_id")) == ("TransferLead", "req-1")
    assert call.token.username == "comtel-crm"
    assert call.token.proves("a-long-password")
    assert not call.token.proves("another-password")
    assert parse_lead(call.lead()) == parse_lead(an_odoo_lead())


def test_the_digest_is_the_one_the_username_token_profile_defines():
    # SHA-1 over nonce + created + password, then base64: computed here without the hub's code
    nonce, created = b"0123456789abcdef", "2026-11-27T10:00:00Z"
    expected = base64.b64encode(hashlib.sha1(nonce + created.encode() + b"pw").digest()).decode()
    assert password_digest(nonce, created, "pw") == expected


@pytest.mark.parametrize("offset, fresh", [(timedelta(0), True), (timedelta(minutes=4), True),
                                           (timedelta(minutes=-4), True),
                                           (timedelta(minutes=6), False),
                                           (timedelta(minutes=-6), False)])
def test_a_token_is_fresh_only_within_the_window_either_side(offset, fresh):
    token = UsernameToken("u", "d", "bm9uY2U=", (NOW + offset).isoformat())
    if fresh:
        check_fresh(token, NOW, WINDOW)
    else:
        with pytest.raises(Rejected) as refused:
            check_fresh(token, NOW, WINDOW)
        assert refused.value.errors[0].code == "soap.message_expired"


@pytest.mark.parametrize("created", ["yesterday", "2026-11-27T10:00:00"])
def test_a_created_without_a_zone_or_not_a_time_is_refused(created):
    with pytest.raises(Rejected) as refused:
        check_fresh(UsernameToken("u", "d", "bm9uY2U=", created), NOW, WINDOW)
    assert refused.value.errors[0].code == "soap.token_invalid"


def test_a_password_sent_as_text_is_refused():
    envelope = a_call().replace(b"#PasswordDigest", b"#PasswordText")
    with pytest.raises(Rejected) as refused:
        read_call(envelope, 1 << 20)
    assert [(e.code, e.path) for e in refused.value.errors] == [
        ("soap.token_invalid", "Security.Password")]


def test_a_call_without_a_security_header_is_refused():
    client = Client(str(WSDL_PATH), settings=zeep_settings())
    envelope = client.create_message(client.service, "GetOpportunity", opportunity_id="OPP-1")
    with pytest.raises(Rejected) as refused:
        read_call(etree.tostring(envelope), 1 << 20)
    assert refused.value.errors[0].code == "soap.security_missing"


@pytest.mark.parametrize("body, code", [
    (b"<a>" * 40 + b"</a>" * 40, "xml.too_deep"),
    (b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", "xml.dtd_forbidden"),
    # a DOCTYPE pushed past the first bytes by a comment is still seen, and nothing is fetched
    (b"<!--" + b" " * 5000 + b"--><!DOCTYPE x SYSTEM 'http://127.0.0.1:9/x.dtd'><x/>",
     "xml.dtd_forbidden"),
    (b"<x>" + b"y" * 9000 + b"</x>", "xml.too_large"),
    (b"<x>", "xml.malformed"),
])
def test_hostile_xml_is_refused_before_it_is_read(body, code):
    with pytest.raises(UnsafeXml) as refused:
        read_call(body, 8192)
    assert refused.value.code == code


def test_a_body_that_is_not_a_soap_envelope_is_refused():
    with pytest.raises(Rejected) as refused:
        read_call(b"<Envelope><Body><TransferLead/></Body></Envelope>", 4096)
    assert refused.value.errors[0].code == "soap.not_an_envelope"


def test_a_fault_lists_every_error_with_its_code_and_path():
    answer = parse_xml(fault([error("lead.stage_unknown", "no such stage", "lead.stage"),
                              error("partner.not_approved", "suspended")]))
    errors = answer.findall(f".//{{{HUB}}}error")
    assert answer.findtext(".//faultcode") == "soap:Client"
    assert [(e.findtext(f"{{{HUB}}}code"), e.findtext(f"{{{HUB}}}path")) for e in errors] == [
        ("lead.stage_unknown", "lead.stage"), ("partner.not_approved", None)]


def test_a_lead_survives_the_hubs_xml_and_validates_against_the_wsdl():
    lead = parse_lead(an_odoo_lead(x_notes=[{"x_hub_ref": "N-1", "create_date":
                                             "2026-11-20T10:00:00+00:00", "body": "a & b"}]))
    element = lead_to_xml(lead.model_dump(mode="json", exclude_none=True), "lead", HUB)
    response = etree.Element(f"{{{HUB}}}GetOpportunityResponse")
    etree.SubElement(response, f"{{{HUB}}}opportunity_id").text = "OPP-1"
    response.append(element)

    assert _schema().validate(response), _schema().error_log.last_error
    assert parse_lead(lead_from_xml(parse_xml(etree.tostring(element)), HUB)) == lead


def _schema() -> etree.XMLSchema:
    wsdl = etree.parse(str(WSDL_PATH))
    return etree.XMLSchema(wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema"))
