"""What an order carries besides its lines: shipping, payment, attachments, service activities."""

import re
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import pycountry
from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from hub.canonical.types import Identifier, SafeText, one_of

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+\-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+\-]{0,126}$")
URI_SCHEMES = ("https", "http", "sftp", "s3")
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def _calendar_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "date.invalid", "'{value}' is not a calendar date such as 2026-03-31", {"value": value}
    )


def _country(value: Any) -> str:
    # ISO 3166-1 alpha-2 exactly as the standard spells it: "DE", never "de" or "DEU"
    if isinstance(value, str) and len(value) == 2 and value.isupper() \
            and pycountry.countries.get(alpha_2=value) is not None:
        return value
    raise PydanticCustomError(
        "country.invalid", "'{value}' is not an ISO 3166-1 alpha-2 country code such as DE",
        {"value": value},
    )


def _uri(value: Any) -> str:
    if isinstance(value, str) and len(value) <= 2000 and not any(c.isspace() for c in value):
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is not None and parts.scheme in URI_SCHEMES and parts.netloc:
            return value
    raise PydanticCustomError(
        "uri.invalid",
        "'{value}' is not an absolute {schemes} URI of at most 2000 characters",
        {"value": str(value)[:100], "schemes": "/".join(URI_SCHEMES)},
    )


def _attachment_size(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) \
            and 0 <= value <= MAX_ATTACHMENT_BYTES:
        return value
    raise PydanticCustomError(
        "attachment.size_invalid", "size_bytes must be a whole number from 0 to {limit}, "
        "got {value}", {"limit": MAX_ATTACHMENT_BYTES, "value": str(value)[:30]},
    )


def _pattern(code: str, pattern: re.Pattern[str], what: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not pattern.match(value):
            raise PydanticCustomError(code, "'{value}' is not " + what,
                                      {"value": str(value)[:100]})
        return value

    return BeforeValidator(check)


CalendarDate = Annotated[
    date,
    BeforeValidator(_calendar_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-03-31"]}),
]
CountryCode = Annotated[
    str,
    BeforeValidator(_country),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{2}$", "examples": ["DE"]}),
]
Uri = Annotated[
    str,
    BeforeValidator(_uri),
    WithJsonSchema({"type": "string", "format": "uri", "maxLength": 2000,
                    "examples": ["https://files.example.com/po-4711.pdf"]}),
]
Sha256 = Annotated[
    str,
    _pattern("attachment.sha256_invalid", _SHA256, "a SHA-256 digest in 64 lowercase hex digits"),
    WithJsonSchema({"type": "string", "pattern": _SHA256.pattern}),
]
MediaType = Annotated[
    str,
    _pattern("attachment.media_type_invalid", _MEDIA_TYPE, "a media type such as application/pdf"),
    WithJsonSchema({"type": "string", "pattern": _MEDIA_TYPE.pattern,
                    "examples": ["application/pdf"]}),
]
Text = Annotated[SafeText, Field(min_length=1, max_length=200)]
AttachmentSize = Annotated[
    int,
    BeforeValidator(_attachment_size),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_ATTACHMENT_BYTES}),
]

PaymentMethod = Literal["invoice", "card", "direct_debit"]
ActivityKind = Literal["installation", "delivery", "porting", "other"]
ActivityStatus = Literal["open", "scheduled", "done", "cancelled"]
ACTIVITY_STATUSES: tuple[str, ...] = ("open", "scheduled", "done", "cancelled")


class Address(BaseModel):
    name: Text
    street: Text
    city: Text
    postal_code: Annotated[str, Field(min_length=1, max_length=20)]
    country: CountryCode


class Shipping(BaseModel):
    address: Address
    method: Annotated[str, Field(min_length=1, max_length=50)] | None = None


class Payment(BaseModel):
    method: Annotated[PaymentMethod,
                      one_of("payment.method_unknown", "invoice", "card", "direct_debit")]
    authorization_id: Identifier | None = None


class Attachment(BaseModel):
    """A document the order refers to (purchase order, letter of credit), kept where it lives."""

    name: Text
    media_type: MediaType
    uri: Uri
    sha256: Sha256 | None = None
    size_bytes: AttachmentSize | None = None


class Activity(BaseModel):
    """Field work the order needs (installation, delivery, number porting), as declared."""

    activity_id: Identifier
    kind: Annotated[ActivityKind, one_of("activity.kind_unknown",
                                         "installation", "delivery", "porting", "other")]
    line_id: Identifier | None = None
    due: AwareDatetime | None = None
    status: Annotated[ActivityStatus,
                      one_of("activity.status_unknown", *ACTIVITY_STATUSES)] = "open"
