"""The hub's SOAP partner service as a mountable aiohttp application: POST a call, GET ?wsdl.

Every call is read hardened and size-capped, its WS-Security token checked, then handed to the
same use cases as the AMQP partner channel, with the authenticated partner as the caller and
the request's ``request_id`` as its inbox key (kept apart per partner and operation).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp import web
from lxml import etree
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, TracerProvider

from hub.canonical.partners import PartnerLead, PartnerOpportunityRef
from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected, error
from hub.hardened_xml import UnsafeXml
from hub.interfaces.opportunities.partner_leads import (
    answer_partner_query,
    receive_partner_lead,
    receive_partner_update,
)
from hub.interfaces.partners.soap_identity import authenticate, forget_used_nonces
from hub.interfaces.request import Request
from hub.mappers.odoo_lead_xml import lead_to_xml
from hub.sealed_secrets import SealedSecrets
from hub.soap.envelope import HUB, SoapCall, answer, fault, read_call
from hub.store.database import Database
from hub.store.unit_of_work import AfterCommit, UnitOfWork

log = logging.getLogger("hub.soap")
WSDL_PATH = Path(__file__).resolve().parents[2] / "contracts" / "partners" / "hub_partner.wsdl"
PATH = "/partner"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class PartnerService:
    """What the endpoint needs of the hub: its store, the relay, the key and its limits."""

    database: Database
    after_commit: AfterCommit
    secrets: SealedSecrets
    freshness: timedelta
    max_bytes: int
    public_url: str | None = None
    # a call's `traceparent` header continues the caller's trace (else a new one starts)
    tracing: TracerProvider | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.database, self.after_commit)

    def partner_uow(self, partner_id: str, request: Request) -> UnitOfWork:
        """A unit of work whose inbox is the partner's, for this operation, over SOAP."""
        return UnitOfWork(self.database, self.after_commit, request.correlation_id)


SERVICE = web.AppKey("service", PartnerService)
Operation = Callable[[PartnerService, SoapCall, str], Awaitable[etree._Element]]


async def transfer_lead(service: PartnerService, call: SoapCall, partner_id: str
                        ) -> etree._Element:
    request = _request("opportunity.transfer", call, partner_id)
    reply = await receive_partner_lead(PartnerLead(lead=call.lead()), request,
                                       service.partner_uow(partner_id, request), partner_id)
    return _transfer_result(_accepted(reply), "TransferLeadResponse")


async def update_lead(service: PartnerService, call: SoapCall, partner_id: str
                      ) -> etree._Element:
    request = _request("opportunity.update", call, partner_id)
    reply = await receive_partner_update(PartnerLead(lead=call.lead()), request,
                                         service.partner_uow(partner_id, request), partner_id)
    return _transfer_result(_accepted(reply), "UpdateLeadResponse")


async def get_opportunity(service: PartnerService, call: SoapCall, partner_id: str
                          ) -> etree._Element:
    ref = _ref(call.text("opportunity_id"))
    # a read changes nothing: no inbox, so no request id is needed
    request = Request(operation="opportunity.query", message_id=ref.opportunity_id,
                      user_id=partner_id)
    result = _accepted(await answer_partner_query(ref, request, service.uow(), partner_id))
    element = etree.Element(f"{{{HUB}}}GetOpportunityResponse")
    etree.SubElement(element, f"{{{HUB}}}opportunity_id").text = result["opportunity_id"]
    element.append(lead_to_xml(result["lead"], "lead", HUB))
    return element


OPERATIONS: dict[str, Operation] = {"TransferLead": transfer_lead, "UpdateLead": update_lead,
                                    "GetOpportunity": get_opportunity}


def partner_app(service: PartnerService) -> web.Application:
    """The service at ``/partner``; mount it under a prefix (``add_subapp``) or serve it."""
    app = web.Application()
    app[SERVICE] = service
    app.router.add_post(PATH, _call)
    app.router.add_get(PATH, _wsdl)
    app.cleanup_ctx.append(_forgetting_nonces)
    return app


async def _call(http: web.Request) -> web.Response:
    service = http.app[SERVICE]
    tracer = trace.get_tracer("hub.soap", tracer_provider=service.tracing)
    # what the call causes (events, back-office messages) carries the caller's trace
    with tracer.start_as_current_span("soap partner call", kind=SpanKind.SERVER,
                                      context=propagate.extract(http.headers)) as span:
        response = await _answer(http, service)
        span.set_attribute("http.response.status_code", response.status)
        return response


async def _answer(http: web.Request, service: PartnerService) -> web.Response:
    try:
        call = read_call(await _capped_body(http, service.max_bytes), service.max_bytes)
        operation = OPERATIONS.get(call.operation)
        if operation is None:
            raise Rejected(error("soap.operation_unknown", f"no operation {call.operation}; "
                                 f"the service has {', '.join(OPERATIONS)}"))
        partner_id = await authenticate(service.uow(), call.token, service.secrets,
                                        service.freshness)
        return _xml(answer(await operation(service, call, partner_id)))
    except UnsafeXml as unsafe:
        return _refused([error(unsafe.code, str(unsafe))])
    except Rejected as rejected:
        return _refused(rejected.errors)
    except Exception:
        log.exception("SOAP call failed")
        return _refused([error("hub.internal_error", "the hub failed to answer; try again "
                               "with the same request_id")])


async def _capped_body(http: web.Request, max_bytes: int) -> bytes:
    """The body, refused before parsing once it is larger than ``max_bytes``."""
    too_large = UnsafeXml("xml.too_large", f"the request exceeds {max_bytes} bytes")
    if http.content_length is not None and http.content_length > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in http.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)


async def _wsdl(http: web.Request) -> web.Response:
    if "wsdl" not in http.query:
        raise web.HTTPNotFound(text="POST SOAP calls here; GET ?wsdl for the contract")
    wsdl = etree.parse(str(WSDL_PATH))  # our own contract file, not untrusted input
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    address.set("location", http.app[SERVICE].public_url or str(http.url.with_query(None)))
    return _xml(etree.tostring(wsdl, xml_declaration=True, encoding="utf-8"))


def _request(operation: str, call: SoapCall, partner_id: str) -> Request:
    request_id = call.text("request_id")
    # the inbox scope of SOAP calls: the partner, per operation (request ids are per operation)
    return Request(operation=operation, message_id=request_id, correlation_id=request_id,
                   user_id=partner_id, channel=f"soap/{partner_id}/{operation}")


def _ref(opportunity_id: str) -> PartnerOpportunityRef:
    try:
        return PartnerOpportunityRef(opportunity_id=opportunity_id)
    except ValueError:
        raise Rejected(error("request.field_invalid", "not an opportunity id",
                             "opportunity_id")) from None


def _accepted(reply: Reply) -> dict:
    if reply.rejected:
        raise Rejected(*reply.errors)
    return reply.result or {}


def _transfer_result(result: dict, tag: str) -> etree._Element:
    element = etree.Element(f"{{{HUB}}}{tag}")
    for name in ("opportunity_id", "partner_id", "transfer_status", "external_id"):
        if result.get(name) is not None:
            etree.SubElement(element, f"{{{HUB}}}{name}").text = result[name]
    return element


def _refused(errors: list[HubError]) -> web.Response:
    log.info("SOAP call refused: %s", "; ".join(f"{e.code}: {e.message}" for e in errors))
    return _xml(fault(errors), status=500)  # SOAP 1.1 faults travel with HTTP 500


def _xml(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="text/xml", charset="utf-8")


async def _forgetting_nonces(app: web.Application) -> AsyncIterator[None]:
    """Drop expired nonces every freshness window while the service runs."""
    service = app[SERVICE]

    async def forget() -> None:
        while True:
            await asyncio.sleep(service.freshness.total_seconds())
            try:
                await forget_used_nonces(service.uow())
            except Exception:
                log.exception("forgetting used SOAP nonces failed; trying again later")

    task = asyncio.create_task(forget(), name="soap-nonces")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
