"""A partner CRM speaking the ComTel lead WSDL over HTTP, for tests and the demo (aiohttp, lxml)."""

import argparse
import asyncio
import base64
import contextlib
import copy
import datetime as dt
import functools
import hashlib
import hmac
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from aiohttp import web
from lxml import etree
from lxml.builder import ElementMaker

from hub.hardened_xml import UnsafeXml, parse_xml

WSDL_PATH = Path(__file__).resolve().parents[1] / "contracts" / "partners" / "odoo_crm.wsdl"
CRM = "urn:comtel:crm:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
NS = {"s": SOAP_ENV, "crm": CRM, "wsse": WSSE, "wsu": WSU}
E = ElementMaker(namespace=CRM, nsmap={"crm": CRM})
S = ElementMaker(namespace=SOAP_ENV, nsmap={"soap": SOAP_ENV, "wsse": WSSE})
Mode = Literal["down", "slow", "hostile", "huge", "fault"] | None
HOSTILE = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<crm:GetLeadResponse xmlns:crm="urn:comtel:crm:v1"><crm:lead>&lol2;&xxe;</crm:lead>
</crm:GetLeadResponse></soap:Body></soap:Envelope>"""


def _crm(name: str) -> str:
    return f"{{{CRM}}}{name}"


@functools.cache
def _schema() -> etree.XMLSchema:
    wsdl = etree.parse(str(WSDL_PATH))  # our own contract file, not untrusted input
    return etree.XMLSchema(copy.deepcopy(wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema")))


def _valid(element: etree._Element) -> bool:
    return _schema().validate(etree.ElementTree(copy.deepcopy(element)))


@dataclass
class CrmState:
    """The partner's leads and the switches a test or the demo turns."""

    username: str
    password: str
    mode: Mode = None
    slow_seconds: float = 2.0
    huge_bytes: int = 3 * 1024 * 1024
    leads: dict[str, etree._Element] = field(default_factory=dict)
    created: dict[str, str] = field(default_factory=dict)
    updated: set[str] = field(default_factory=set)
    nonces: set[str] = field(default_factory=set)
    # the W3C trace context each call arrived with (None when it had none)
    traceparents: list[str | None] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    def advance(self, lead_id: str, stage: str | None = None, probability: float | None = None,
                expected_revenue: Decimal | str | None = None,
                new_activity: dict[str, str] | None = None) -> None:
        """Work a lead as the partner's sales rep would, so a later GetLead shows progress."""
        lead = copy.deepcopy(self.leads[lead_id])
        for name, value in (("stage", stage), ("probability", probability),
                            ("expected_revenue", expected_revenue)):
            if value is not None:
                lead.find(_crm(name)).text = str(value)
        if stage in ("Won", "Lost"):
            lead.find(_crm("type")).text = "opportunity"
        if new_activity:
            activity = E.activity(E.id(f"act-{next(self.ids)}"))
            for name in ("activity_type", "summary", "date_deadline", "state"):
                if name in new_activity:
                    activity.append(E(name, str(new_activity[name])))
            lead.find(_crm("x_activities")).append(activity)
        if not _valid(E.GetLeadResponse(copy.deepcopy(lead))):
            raise ValueError(f"advance would break the lead: {_schema().error_log.last_error}")
        self.leads[lead_id] = lead

    def authenticated(self, envelope: etree._Element) -> bool:
        """Check the WS-Security UsernameToken, as text or as a fresh, unused digest."""
        token = envelope.find("s:Header/wsse:Security/wsse:UsernameToken", NS)
        if token is None or token.findtext("wsse:Username", namespaces=NS) != self.username:
            return False
        password = token.find("wsse:Password", NS)
        given = (password.text or "").strip() if password is not None else ""
        if password is not None and password.get("Type", "").endswith("#PasswordText"):
            return hmac.compare_digest(given.encode(), self.password.encode())
        nonce = token.findtext("wsse:Nonce", namespaces=NS) or ""
        created = token.findtext("wsu:Created", namespaces=NS) or ""
        if not nonce or nonce in self.nonces or not _fresh(created):
            return False
        self.nonces.add(nonce)
        return hmac.compare_digest(_digest(nonce, created, self.password), given.encode())


def _digest(nonce: str, created: str, password: str) -> bytes:
    """PasswordDigest = Base64(SHA-1(nonce + created + password)), as WS-Security defines it."""
    try:
        raw = base64.b64decode(nonce, validate=True)
    except ValueError:
        return b""
    sha = hashlib.sha1(raw + created.encode() + password.encode())
    return base64.b64encode(sha.digest())


def _fresh(created: str, window: float = 300.0) -> bool:
    try:
        moment = dt.datetime.fromisoformat(created)
    except ValueError:
        return False
    if moment.tzinfo is None:
        return False
    return abs((dt.datetime.now(dt.UTC) - moment).total_seconds()) < window


def _text(element: etree._Element, name: str) -> str | None:
    return element.findtext(_crm(name))


def _reply(payload: etree._Element, status: int = 200) -> web.Response:
    if status == 200 and not _valid(payload):
        # the simulator broke its own contract: say so loudly rather than answer wrongly
        return web.Response(status=500, text=f"simulator bug: {_schema().error_log.last_error}")
    envelope = etree.tostring(S.Envelope(S.Body(payload)), xml_declaration=True, encoding="utf-8")
    return web.Response(status=status, body=envelope, content_type="text/xml", charset="utf-8")


def _fault(code: str, message: str, kind: str | None = None, detail_code: str = "") -> web.Response:
    fault = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = message
    if kind:
        etree.SubElement(fault, "detail").append(E(kind, E.code(detail_code), E.message(message)))
    return _reply(fault, status=500)


def _not_found(lead_id: str | None) -> web.Response:
    return _fault("soap:Client", f"no lead {lead_id}", "NotFoundFault", "lead.not_found")


def _with_id(lead: etree._Element, lead_id: str) -> etree._Element:
    lead = copy.deepcopy(lead)
    if lead.find(_crm("id")) is None:
        lead.insert(0, E.id())
    lead.find(_crm("id")).text = lead_id
    return lead


def _create(state: CrmState, request: etree._Element) -> web.Response:
    key = _text(request, "idempotency_key")
    lead_id = state.created.get(key) if key else None
    if lead_id is None:
        lead_id = f"L{next(state.ids)}"
        state.leads[lead_id] = _with_id(request.find(_crm("lead")), lead_id)
        if key:
            state.created[key] = lead_id
    return _reply(E.CreateLeadResponse(E.lead_id(lead_id)))


def _update(state: CrmState, request: etree._Element) -> web.Response:
    lead_id, key = _text(request, "lead_id"), _text(request, "idempotency_key")
    if lead_id not in state.leads:
        return _not_found(lead_id)
    if key is None or key not in state.updated:
        state.leads[lead_id] = _with_id(request.find(_crm("lead")), lead_id)
        if key:
            state.updated.add(key)
    return _reply(E.UpdateLeadResponse(E.lead_id(lead_id)))


def _get(state: CrmState, request: etree._Element) -> web.Response:
    lead_id = _text(request, "lead_id")
    if lead_id not in state.leads:
        return _not_found(lead_id)
    return _reply(E.GetLeadResponse(copy.deepcopy(state.leads[lead_id])))


OPERATIONS = {_crm("CreateLead"): _create, _crm("UpdateLead"): _update, _crm("GetLead"): _get}


def _dispatch(state: CrmState, envelope: etree._Element) -> web.Response:
    body = envelope.find("s:Body", NS)
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or len(body) != 1:
        return _fault("soap:Client", "not a SOAP 1.1 envelope", "InvalidFault", "soap.invalid")
    if not state.authenticated(envelope):
        return _fault("wsse:FailedAuthentication", "the security token could not be authenticated")
    request = body[0]
    if request.tag not in OPERATIONS:
        return _fault("soap:Client", f"unknown operation {request.tag}", "InvalidFault",
                      "soap.operation_unknown")
    if not _valid(request):
        return _fault("soap:Client", str(_schema().error_log.last_error), "InvalidFault",
                      "lead.invalid")
    return OPERATIONS[request.tag](state, request)


async def _soap(request: web.Request) -> web.Response:
    state: CrmState = request.app[STATE]
    state.traceparents.append(request.headers.get("traceparent"))
    if state.mode == "down":
        return web.Response(status=503, text="partner CRM is down for maintenance")
    if state.mode == "slow":
        await asyncio.sleep(state.slow_seconds)
    if state.mode in ("hostile", "huge"):
        padding = b"<!--" + b"x" * state.huge_bytes + b"-->" if state.mode == "huge" else b""
        return web.Response(body=HOSTILE.replace(b"<soap:Body>", b"<soap:Body>" + padding),
                            content_type="text/xml")
    if state.mode == "fault":
        return _fault("soap:Server", "simulated failure of the partner CRM")
    try:
        envelope = parse_xml(await request.read())
    except UnsafeXml as exc:
        return _fault("soap:Client", str(exc), "InvalidFault", exc.code)
    return _dispatch(state, envelope)


async def _wsdl(request: web.Request) -> web.Response:
    if "wsdl" not in request.query:
        raise web.HTTPNotFound(text="ask for ?wsdl")
    wsdl = etree.parse(str(WSDL_PATH))
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    address.set("location", str(request.url.with_query(None)))
    return web.Response(body=etree.tostring(wsdl, xml_declaration=True, encoding="utf-8"),
                        content_type="text/xml")


STATE = web.AppKey("state", CrmState)


def build_app(state: CrmState) -> web.Application:
    """The simulator as an aiohttp application serving ``/crm`` (POST SOAP, GET ?wsdl)."""
    app = web.Application(client_max_size=1024 * 1024)
    app[STATE] = state
    app.router.add_post("/crm", _soap)
    app.router.add_get("/crm", _wsdl)
    return app


async def start_simulator(
    host: str = "127.0.0.1", port: int = 0, *, username: str = "hub",
    password: str = "hub-secret",
) -> tuple[web.AppRunner, str, CrmState]:
    """Serve the simulator; returns its runner (to clean up), ``http://host:port/crm``, state."""
    state = CrmState(username=username, password=password)
    runner = web.AppRunner(build_app(state), handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_host, bound_port = runner.addresses[0][:2]
    return runner, f"http://{bound_host}:{bound_port}/crm", state


async def _serve(host: str, port: int, username: str, password: str) -> None:
    runner, url, _ = await start_simulator(host, port, username=username, password=password)
    print(f"partner CRM simulator at {url} (WSDL at {url}?wsdl)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--username", default="hub")
    parser.add_argument("--password", default="hub-secret")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.username, args.password))


if __name__ == "__main__":
    main()
