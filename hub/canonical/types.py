"""Field types shared by the canonical messages, each failing with a stable error code."""

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

_MONEY = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,4})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


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


def _quantity(value: int) -> int:
    if value < 1:
        raise PydanticCustomError(
            "line.quantity_invalid", "quantity must be 1 or more, got {value}", {"value": value}
        )
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
Quantity = Annotated[int, Field(strict=True), AfterValidator(_quantity)]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
Attributes = dict[str, str | int | float | bool | None]


def one_of(code: str, *allowed: str) -> BeforeValidator:
    """A validator that refuses anything outside ``allowed`` with ``code``."""
    return _one_of(code, allowed)
