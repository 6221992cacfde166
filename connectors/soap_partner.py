"""The partner CRM port over the ComTel lead WSDL: zeep's async client on httpx."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import requests
from zeep import AsyncClient, Settings
from zeep.exceptions import (
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    Fault,
    TransportError,
)
from zeep.exceptions import Error as ZeepError
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from zeep.wsdl.utils import etree_to_string
from zeep.wsse.username import UsernameToken

from hub.canonical.opportunities import Opportunity
from hub.canonical.partners import PartnerProfile
from hub.errors import Rejected
from hub.hardened_xml import MAX_XML_BYTES, UnsafeXml
from hub.interfaces.ports import PartnerCrm, PartnerRefused, PartnerUnavailable
from hub.mappers.odoo_lead import OdooLead, lead_to_opportunity, opportunity_to_lead, parse_lead
from hub.mappers.odoo_lead_xml import LIST_ITEMS as WRAPPERS
from hub.operations.tracing import trace_headers

DEFAULT_WSDL = Path(__file__).resolve().parents[1] / "contracts" / "partners" / "odoo_crm.wsdl"
BINDING = "{urn:comtel:crm:v1}LeadBinding"
# statuses that say "not now" and never carry a SOAP fault (faults travel with 500)
TRANSIENT_STATUS = {408, 429, 502, 503, 504}
FAULT_CODES = {"NotFoundFault": "partner.not_found", "InvalidFault": "partner.invalid"}


def zeep_settings() -> Settings:
    """The only zeep settings the hub uses: strict, no DTD, no entities, no external fetches."""
    return Settings(strict=True, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True,
                    forbid_external=True)


class CappedTransport(AsyncTransport):
    """zeep's httpx transport that stops reading a response once it exceeds ``max_bytes``."""

    def __init__(self, timeout: float, max_bytes: int) -> None:
        # zeep's operation_timeout is the httpx client's timeout; we build the client ourselves
        # so that proxies come from settings, not from the environment
        super().__init__(
            client=httpx.AsyncClient(timeout=timeout, trust_env=False),
            wsdl_client=httpx.Client(timeout=timeout, trust_env=False),
        )
        self.max_bytes = max_bytes

    async def post_xml(self, address: str, envelope: Any, headers: dict) -> requests.Response:
        headers = trace_headers() | headers
        content = etree_to_string(envelope)
        async with self.client.stream("POST", address, content=content, headers=headers) as r:
            if r.status_code in TRANSIENT_STATUS:
                raise TransportError(f"HTTP {r.status_code}", status_code=r.status_code)
            body = await self._read(r)
        response = requests.Response()
        response._content = body
        response.status_code = r.status_code
        response.headers = r.headers
        response.encoding = r.encoding
        return response

    async def _read(self, r: httpx.Response) -> bytes:
        body = bytearray()
        async for chunk in r.aiter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise UnsafeXml("xml.too_large", f"response exceeds {self.max_bytes} bytes")
        return bytes(body)

    async def aclose(self) -> None:
        await super().aclose()
        self.wsdl_client.close()


class SoapPartnerCrm(PartnerCrm):
    """A partner CRM reached over SOAP; building one loads the WSDL, so prefer ``load``."""

    def __init__(self, wsdl_path: str | Path, address: str, username: str, password: str,
                 timeout: float, *, partner_id: str | None = None,
                 max_response_bytes: int = MAX_XML_BYTES) -> None:
        self.transport = CappedTransport(timeout, max_response_bytes)
        self.client = AsyncClient(str(wsdl_path), transport=self.transport,
                                  settings=zeep_settings(),
                                  wsse=UsernameToken(username, password, use_digest=True))
        # AsyncClient.create_service returns a synchronous proxy in zeep 4.3: bind by hand
        binding = self.client.wsdl.bindings[BINDING]
        self.service = AsyncServiceProxy(self.client, binding, address=address)
        self.timeout = timeout
        self.partner_id = partner_id

    @classmethod
    async def load(cls, wsdl_path: str | Path, address: str, username: str, password: str,
                   timeout: float, **options: Any) -> "SoapPartnerCrm":
        """Build one off the event loop, since zeep reads and compiles the WSDL synchronously."""
        return await asyncio.to_thread(cls, wsdl_path, address, username, password, timeout,
                                       **options)

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def create_lead(self, opportunity: Opportunity, idempotency_key: str) -> str:
        lead = _mapped(opportunity_to_lead, opportunity)
        return await self._call("CreateLead", idempotency_key=idempotency_key, lead=to_wire(lead))

    async def update_lead(
        self, external_id: str, opportunity: Opportunity, idempotency_key: str
    ) -> None:
        lead = _mapped(opportunity_to_lead, opportunity).model_copy(update={"id": external_id})
        await self._call("UpdateLead", idempotency_key=idempotency_key, lead_id=external_id,
                         lead=to_wire(lead))

    async def get_lead(self, external_id: str) -> Opportunity:
        answer = await self._call("GetLead", lead_id=external_id)
        lead = _mapped(parse_lead, from_wire(serialize_object(answer, dict)))
        return _mapped(lead_to_opportunity, lead, self.partner_id)

    async def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            async with asyncio.timeout(self.timeout):
                return await self.service[operation](**kwargs)
        except (httpx.TransportError, TimeoutError) as exc:
            raise PartnerUnavailable(f"{operation}: {type(exc).__name__} {exc}") from exc
        except UnsafeXml as exc:
            raise PartnerRefused(exc.code, f"{operation}: {exc}") from exc
        except ZeepError as exc:
            raise _zeep_failure(operation, exc) from exc


async def open_soap_crm(partner: PartnerProfile, secrets: dict[str, str], timeout: float
                        ) -> SoapPartnerCrm:
    """The CRM of a SOAP partner, its password looked up by the partner's ``secret_ref``."""
    connector = partner.connector
    if partner.vocabulary != "odoo":
        raise PartnerRefused("partner.connector_invalid",
                             "the SOAP connector speaks the odoo vocabulary only")
    secret = secrets.get(connector.secret_ref or "")
    if secret is None:
        raise PartnerRefused("partner.secret_unknown",
                             f"no secret '{connector.secret_ref}' in HUB_PARTNER_SECRETS")
    return await SoapPartnerCrm.load(connector.wsdl or DEFAULT_WSDL, connector.address or "",
                                     connector.username or "", secret, timeout,
                                     partner_id=partner.partner_id)


def to_wire(lead: OdooLead) -> dict[str, Any]:
    """The lead as zeep's keyword arguments: lists sit in their WSDL wrapper elements."""
    data = lead.model_dump(exclude_none=True)
    return {**data, **{field: {item: data[field]} for field, item in WRAPPERS.items()}}


def from_wire(data: dict[str, Any]) -> dict[str, Any]:
    """The lead as zeep read it, lists taken out of their wrapper elements."""
    return {**data, **{field: (data.get(field) or {}).get(item) or []
                       for field, item in WRAPPERS.items()}}


def _mapped(mapper: Any, *args: Any) -> Any:
    try:
        return mapper(*args)
    except Rejected as exc:
        first = exc.errors[0]
        raise PartnerRefused(first.code, first.message, exc.errors) from exc


def _zeep_failure(operation: str, exc: ZeepError) -> Exception:
    if isinstance(exc, Fault):
        return _fault(exc)
    if isinstance(exc, DTDForbidden | EntitiesForbidden | ExternalReferenceForbidden):
        return PartnerRefused("xml.dtd_forbidden", f"{operation}: {exc}")
    if isinstance(exc, TransportError):
        if exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500:
            return PartnerUnavailable(f"{operation}: HTTP {exc.status_code}")
        if exc.status_code == 200:
            return PartnerRefused("xml.malformed", f"{operation}: {exc.message}")
        return PartnerRefused("partner.http_error", f"{operation}: HTTP {exc.status_code}")
    return PartnerRefused("partner.message_invalid", f"{operation}: {exc}")


def _fault(fault: Fault) -> PartnerRefused:
    detail = fault.detail[0] if fault.detail is not None and len(fault.detail) else None
    kind = detail.tag.rpartition("}")[2] if detail is not None else ""
    code = FAULT_CODES.get(kind)
    if code is None and "FailedAuthentication" in (fault.code or ""):
        code = "partner.unauthorized"
    return PartnerRefused(code or "partner.fault", f"{fault.code}: {fault.message}")
