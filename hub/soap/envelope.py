"""SOAP 1.1 envelopes of the hub's partner service: reading a call, writing an answer or a fault."""

from dataclasses import dataclass
from typing import Any

from lxml import etree

from hub.errors import HubError, Rejected, error
from hub.hardened_xml import parse_xml
from hub.mappers.odoo_lead_xml import lead_from_xml
from hub.soap.username_token import MAX_NONCE_CHARS, UsernameToken

HUB = "urn:telemedia:hub:partner:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = ("http://docs.oasis-open.org/wss/2004/01/"
          "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")
NS = {"s": SOAP_ENV, "wsse": WSSE, "wsu": WSU, "hub": HUB}
# a lead nests seven levels inside the envelope; anything much deeper is not ours
MAX_DEPTH = 16
# WS-Security's own fault codes for what went wrong with the token; the rest is the client's
FAULT_CODES = {"soap.security_missing": "wsse:InvalidSecurity",
               "soap.token_invalid": "wsse:InvalidSecurityToken",
               "soap.message_expired": "wsse:MessageExpired",
               "soap.unauthenticated": "wsse:FailedAuthentication",
               "soap.nonce_replayed": "wsse:FailedAuthentication",
               "hub.internal_error": "soap:Server"}


@dataclass(frozen=True)
class SoapCall:
    """One request: the operation's element in the body, and the caller's token."""

    operation: str
    payload: etree._Element
    token: UsernameToken

    def text(self, name: str) -> str:
        """A required field of the operation."""
        value = self.payload.findtext(f"hub:{name}", namespaces=NS)
        if not value:
            raise Rejected(error("request.field_missing", f"{self.operation} needs {name}",
                                 name))
        return value

    def lead(self) -> dict[str, Any]:
        element = self.payload.find("hub:lead", NS)
        if element is None:
            raise Rejected(error("request.field_missing", f"{self.operation} needs a lead",
                                 "lead"))
        return lead_from_xml(element, HUB)


def read_call(body: bytes, max_bytes: int) -> SoapCall:
    """Parse a request (hardened) and take its operation and token; refused with codes."""
    envelope = parse_xml(body, max_bytes=max_bytes, max_depth=MAX_DEPTH)
    payload = envelope.find("s:Body", NS)
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope" or payload is None or len(payload) != 1:
        raise Rejected(error("soap.not_an_envelope",
                             "send one operation in the Body of a SOAP 1.1 Envelope"))
    operation = etree.QName(payload[0])
    if operation.namespace != HUB:
        raise Rejected(error("soap.operation_unknown",
                             f"{operation.text} is not an operation of {HUB}"))
    return SoapCall(operation.localname, payload[0], _token(envelope))


def answer(element: etree._Element) -> bytes:
    return _envelope(element)


def fault(errors: list[HubError]) -> bytes:
    """A SOAP 1.1 fault whose detail lists every error with its code and path."""
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = FAULT_CODES.get(errors[0].code, "soap:Client")
    etree.SubElement(element, "faultstring").text = "; ".join(e.message for e in errors)
    detail = etree.SubElement(etree.SubElement(element, "detail"), f"{{{HUB}}}HubFault")
    for e in errors:
        item = etree.SubElement(detail, f"{{{HUB}}}error")
        etree.SubElement(item, f"{{{HUB}}}code").text = e.code
        if e.path:
            etree.SubElement(item, f"{{{HUB}}}path").text = e.path
        etree.SubElement(item, f"{{{HUB}}}message").text = e.message
    return _envelope(element)


def _envelope(content: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope",
                             nsmap={"soap": SOAP_ENV, "wsse": WSSE, "hub": HUB})
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(content)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _token(envelope: etree._Element) -> UsernameToken:
    token = envelope.find("s:Header/wsse:Security/wsse:UsernameToken", NS)
    if token is None:
        raise Rejected(error("soap.security_missing", "send a WS-Security UsernameToken "
                             "(PasswordDigest, Nonce, Created) in the Security header"))
    password = token.find("wsse:Password", NS)
    if password is None or password.get("Type") != DIGEST:
        raise Rejected(error("soap.token_invalid", "the password must be a PasswordDigest: "
                             "the hub never accepts the password itself", "Security.Password"))
    fields = {"Username": token.findtext("wsse:Username", namespaces=NS),
              "Password": password.text, "Nonce": token.findtext("wsse:Nonce", namespaces=NS),
              "Created": token.findtext("wsu:Created", namespaces=NS)}
    for name, value in fields.items():
        if not value or not value.strip():
            raise Rejected(error("soap.token_invalid", f"the UsernameToken has no {name}",
                                 f"Security.{name}"))
    username, digest, nonce, created = (value.strip() for value in fields.values())
    if len(nonce) > MAX_NONCE_CHARS or len(username) > 200:
        raise Rejected(error("soap.token_invalid", "the UsernameToken's Nonce or Username "
                             "is too long", "Security"))
    return UsernameToken(username=username, digest=digest, nonce=nonce, created=created)
