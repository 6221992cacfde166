"""Field types shared by the canonical messages, each failing with a stable error code."""

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

_MONEY = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,4})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# C0/C1 controls but tab and line breaks, lone surrogates, and the two non-characters XML refuses
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MAX_QUANTITY = 1_000_000
MAX_ATTRIBUTE_TEXT = 2000
# what a BIGINT column (and every JSON consumer of ours) can hold
MIN_INTEGER, MAX_INTEGER = -(2**63), 2**63 - 1
# Numeric(18, 4): what an order total may reach in both stores
MAX_TOTAL = Decimal("99999999999999.9999")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored or put in XML (a control character, a lone surrogate)."""
    if match := UNSAFE_TEXT.search(value):
        return (f"holds the character U+{ord(match.group()):04X} at position {match.start()}; "
                "control characters and lone surrogates are refused")
    return None


def _safe_text(value: str) -> str:
    if reason := text_problem(value):
        raise PydanticCustomError("request.text_invalid", "the text {reason}", {"reason": reason})
    return value


def _money(value: Any) -> Decimal:
    # floats are refused: money travels as a decimal string so no cent is lost on the way
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, str) or not _MONEY.match(value):
        raise PydanticCustomError(
            "money.invalid",
            'amount must be a non-negative decimal string such as "59.99", got {value}',
            {"value": value},
        )
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a decimal
        raise PydanticCustomError("money.invalid", "amount is not a decimal") from None


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise PydanticCustomError(
            "currency.invalid",
            "currency must be a three-letter ISO 4217 code such as EUR, got '{value}'",
            {"value": value},
        )
    return value


def _quantity(value: Any) -> Any:
    # a bool is an int to Python, and 10**30 would only fail in PostgreSQL
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise PydanticCustomError(
            "line.quantity_invalid",
            "quantity must be a whole number from 1 to {limit}, got {value}",
            {"value": repr(value)[:40], "limit": f"{MAX_QUANTITY:,}"},
        )
    return value


def _attribute_value(value: Any) -> Any:
    # one clear error per value, where a union would list one per type it tried
    if isinstance(value, str):
        if reason := text_problem(value):
            raise PydanticCustomError("request.text_invalid", "the text {reason}", {"reason": reason})
        if len(value) > MAX_ATTRIBUTE_TEXT:
            raise PydanticCustomError("request.field_invalid", "an attribute value may be at most "
                                      "{limit} characters long", {"limit": MAX_ATTRIBUTE_TEXT})
    elif isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("request.number_invalid", "the number must be finite")
    elif isinstance(value, int) and not isinstance(value, bool) and not (
            MIN_INTEGER <= value <= MAX_INTEGER):
        raise PydanticCustomError("request.number_invalid", "integers must fit in 64 bits")
    return value


def _one_of(code: str, allowed: tuple[str, ...]) -> BeforeValidator:
    def check(value: Any) -> Any:
        if value not in allowed:
            raise PydanticCustomError(
                code,
                "'{value}' is not one of {allowed}",
                {"value": value, "allowed": ", ".join(allowed)},
            )
        return value

    return BeforeValidator(check)


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    PlainSerializer(lambda d: str(d), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _MONEY.pattern, "examples": ["59.99"]}),
]
Currency = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema({"type": "string", "pattern": _CURRENCY.pattern, "examples": ["EUR"]}),
]
Quantity = Annotated[
    int, BeforeValidator(_quantity),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY}),
]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
Revision = Annotated[int, Field(ge=1, le=999)]
SafeText = Annotated[str, AfterValidator(_safe_text)]
"""Free text a person wrote: any characters the stores and XML can hold."""
AttributeName = Annotated[SafeText, Field(max_length=100)]
AttributeValue = Annotated[str | int | float | bool | None, BeforeValidator(_attribute_value)]
Attributes = Annotated[dict[AttributeName, AttributeValue], Field(max_length=500)]


def one_of(code: str, *allowed: str) -> BeforeValidator:
    """A validator that refuses anything outside ``allowed`` with ``code``."""
    return _one_of(code, allowed)
