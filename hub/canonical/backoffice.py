"""Back-office checks as callers ask for them and as the back office answers (CONTRACT D)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from hub.canonical.orders import Order
from hub.canonical.types import Currency, Identifier, Money, Quantity, one_of

CreditDecision = Literal["approved", "declined", "review"]
PaymentDecision = Literal["authorized", "declined"]


def _positive(amount: Decimal) -> Decimal:
    if amount <= 0:
        raise PydanticCustomError("money.not_positive", "the amount must be more than zero")
    return amount


Amount = Annotated[Money, AfterValidator(_positive)]
CardToken = Annotated[str, Field(min_length=4, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]


class CreditCheckRequest(BaseModel):
    account_id: Identifier
    amount: Amount
    currency: Currency
    order_id: Identifier | None = None


class CreditCheckResult(BaseModel):
    check_id: str
    account_id: str
    decision: CreditDecision
    amount: Money
    currency: str
    reason: str | None = None
    valid_until: datetime


class AvailabilityItem(BaseModel):
    line_id: Identifier
    product_code: Identifier
    quantity: Quantity
    requested_date: date | None = None


class AvailabilityRequest(BaseModel):
    items: list[AvailabilityItem] = Field(min_length=1, max_length=1000)


class LineAvailability(BaseModel):
    line_id: str
    product_code: str
    available_quantity: int = Field(ge=0)
    available_date: date


class AvailabilityResult(BaseModel):
    lines: list[LineAvailability]


class PriceRequest(BaseModel):
    order: Order


class LineTax(BaseModel):
    line_id: str
    tax: Money


class PriceResult(BaseModel):
    currency: str
    lines: list[LineTax]
    tax_total: Money
    shipping: Money
    total: Money


class PaymentRequest(BaseModel):
    account_id: Identifier
    amount: Amount
    currency: Currency
    card_token: CardToken
    order_id: Identifier | None = None


class PaymentResult(BaseModel):
    authorization_id: str
    decision: PaymentDecision
    amount: Money
    currency: str
    reason: str | None = None
    # until when an order may rely on it (an addition to the contract's result)
    valid_until: datetime


# what the back office answers on the hub's reply queue: its own fields of each result

class CreditAnswer(BaseModel):
    decision: Annotated[CreditDecision,
                        one_of("backoffice.invalid", "approved", "declined", "review")]
    reason: str | None = Field(default=None, max_length=500)


class AvailabilityAnswer(BaseModel):
    lines: list[LineAvailability]


class PriceAnswer(BaseModel):
    lines: list[LineTax]
    tax_total: Money
    shipping: Money


class PaymentAnswer(BaseModel):
    decision: Annotated[PaymentDecision, one_of("backoffice.invalid", "authorized", "declined")]
    reason: str | None = Field(default=None, max_length=500)


class BackOfficeRefusal(BaseModel):
    code: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_.]+$")
    message: str = Field(min_length=1, max_length=1000)


class BackOfficeError(BaseModel):
    error: BackOfficeRefusal
