"""Every parser, fed generated hostile input: it parses, or it refuses with a stable code.

A crash is any other exception: it would have been retried and dead-lettered as
``hub.internal_error`` instead of answered. ``make fuzz`` runs this for about a minute.
"""

import asyncio
import json
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from connectors.soap_partner import BINDING, SoapPartnerCrm, to_wire
from hub.canonical.assets import DeltaRequest
from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.opportunities import TransferRequest
from hub.canonical.orders import Approval, Order
from hub.canonical.partners import PartnerRegistration
from hub.errors import Rejected
from hub.hardened_xml import UnsafeXml, parse_xml
from hub.interfaces.ports import PartnerRefused, PartnerUnavailable
from hub.mappers import odoo_lead, salesforce_lead
from hub.mappers.billing_xml import BillingXmlInvalid, billing_xml_to_order, order_to_billing_xml
from hub.routes.envelope import unreadable
from hub.routes.policy import errors_of
from hub.strict_json import storable_problem
from simulators.soap_crm_simulator import WSDL_PATH
from tests.fuzz.budget import ROUND, for_its_share
from tests.fuzz.strategies import json_values, mutated, mutated_bytes
from tests.support.factories import a_line, an_order
from tests.unit.test_lead_mappers import an_opportunity


class Delivered(BaseModel):
    body: bytes
    content_type: str | None = "application/json"
    message_id: str | None = "m-1"
    correlation_id: str | None = None


def _wire(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True, default=str).encode("utf-8", "surrogatepass")


def _read(body: bytes) -> Any | None:
    """The body as the hub's routes get it, or None when the envelope refuses it (with a code)."""
    problem = unreadable(Delivered(body=body), max_bytes=1_048_576)  # type: ignore[arg-type]
    if problem is not None:
        assert problem.code.startswith("request.")
        return None
    return json.loads(body)


def _validated(model: type[BaseModel], body: bytes) -> BaseModel | None:
    """Validate as a route would: either a model whose data every store can hold, or codes."""
    if (document := _read(body)) is None:
        return None
    try:
        valid = model.model_validate(document)
    except ValidationError as exc:
        assert all(e.code for e in errors_of(exc))
        return None
    assert storable_problem(valid.model_dump(mode="json")) is None
    return valid


deep = st.integers(1, 5000).map(lambda n: b'{"a": ' + b"[" * n + b"]" * n + b"}")


@for_its_share
@ROUND
@given(st.binary(max_size=300) | deep | json_values.map(_wire)
       | mutated(an_order("F-1")).map(_wire))
def test_any_body_is_read_or_refused_with_a_request_code(body: bytes) -> None:
    _read(body)


@for_its_share
@ROUND
@given(mutated(an_order("F-1", a_line("1"), a_line("2", parent_line_id="1"))).map(_wire))
def test_any_order_is_valid_and_billable_or_refused_with_codes(body: bytes) -> None:
    if (order := _validated(Order, body)) is not None:
        try:
            order_to_billing_xml(order)  # type: ignore[arg-type]
        except Rejected as refused:
            assert refused.errors[0].code == "billing.xml_not_produced"


OTHER_REQUESTS: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Approval, {"order_id": "O-1", "revision": 1, "decision": "approve", "approver": "sup",
                "reason": "ok"}),
    (FulfilmentUpdate, {"order_id": "O-1", "revision": 1, "system": "provisioning",
                        "lines": [{"line_id": "1", "status": "completed", "asset_id": "A-1"}]}),
    (DeltaRequest, {"account_id": "ACC-1", "wanted": [{
        "asset_id": "A-1", "account_id": "ACC-1", "product_code": "P", "product_name": "Plan",
        "quantity": 2, "attributes": {"k": "v"}, "children": []}]}),
    (TransferRequest, {"opportunity": an_opportunity().model_dump(mode="json"),
                       "partner_id": "p-1"}),
    (PartnerRegistration, {"partner_id": "p-1", "name": "P", "connector": {"kind": "amqp"},
                           "accounts": ["ACC-1"]}),
]


@for_its_share
@ROUND
@given(st.sampled_from(OTHER_REQUESTS).flatmap(
    lambda pair: mutated(pair[1]).map(lambda doc: (pair[0], _wire(doc)))))
def test_any_other_request_is_valid_or_refused_with_codes(case: tuple) -> None:
    model, body = case
    _validated(model, body)


BILLING_SEED = order_to_billing_xml(
    Order.model_validate(an_order("F-1", a_line("1"), a_line("2", parent_line_id="1"))))


@for_its_share
@ROUND
@given(mutated_bytes(BILLING_SEED))
def test_any_billing_document_maps_back_or_is_refused_with_a_code(data: bytes) -> None:
    try:
        billing_xml_to_order(data)
    except (BillingXmlInvalid, UnsafeXml) as refused:
        assert refused.code.startswith(("billing.", "xml."))


@for_its_share
@ROUND
@given(st.binary(max_size=400) | mutated_bytes(b'<?xml version="1.0"?><a x="1"><b>t</b></a>'))
def test_any_bytes_are_parsed_safely_or_refused_with_a_code(data: bytes) -> None:
    try:
        parse_xml(data)
    except UnsafeXml as refused:
        assert refused.code.startswith("xml.")


def _soap_seed() -> tuple[SoapPartnerCrm, bytes]:
    from lxml import etree

    crm = SoapPartnerCrm(WSDL_PATH, "http://crm.invalid/crm", "hub", "pw", 5,
                         partner_id="p-1")
    output = crm.client.wsdl.bindings[BINDING]._operations["GetLead"].output
    lead = odoo_lead.opportunity_to_lead(an_opportunity()).model_copy(update={"id": "42"})
    return crm, etree.tostring(output.serialize(lead=to_wire(lead)).content)


CRM, SOAP_SEED = _soap_seed()


@for_its_share
@ROUND
@given(mutated_bytes(SOAP_SEED))
def test_any_soap_answer_becomes_an_opportunity_or_a_partner_refusal(data: bytes) -> None:
    async def fetch() -> None:
        transport = httpx.MockTransport(lambda _: httpx.Response(200, content=data, headers={
            "content-type": "text/xml; charset=utf-8"}))
        CRM.transport.client = httpx.AsyncClient(transport=transport)
        try:
            await CRM.get_lead("42")
        except PartnerRefused as refused:
            assert refused.code
        except PartnerUnavailable:
            pass

    asyncio.run(fetch())


LEADS = [(odoo_lead, json.loads(odoo_lead.opportunity_to_lead(an_opportunity()).model_dump_json())),
         (salesforce_lead, json.loads(json.dumps(
             salesforce_lead.opportunity_to_lead(an_opportunity()), default=str)))]


@for_its_share
@ROUND
@given(st.sampled_from(LEADS).flatmap(
    lambda pair: mutated(pair[1]).map(lambda lead: (pair[0], lead))))
def test_any_partner_lead_maps_to_an_opportunity_or_is_refused_with_codes(case: tuple) -> None:
    mapper, lead = case
    try:
        parsed = mapper.parse_lead(lead) if mapper is odoo_lead else lead
        mapper.lead_to_opportunity(parsed, "p-1", "OPP-1")
    except Rejected as refused:
        assert all(e.code for e in refused.errors)
