"""The order-entry checks: credit, availability, price and card authorisation."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.backoffice.answers import check_availability, check_price, repeated_lines
from hub.canonical.backoffice import (
    AvailabilityAnswer,
    AvailabilityRequest,
    AvailabilityResult,
    CreditAnswer,
    CreditCheckRequest,
    CreditCheckResult,
    PaymentAnswer,
    PaymentRequest,
    PaymentResult,
    PriceAnswer,
    PriceRequest,
    PriceResult,
)
from hub.canonical.replies import Reply
from hub.interfaces.backoffice.forwarding import forward
from hub.interfaces.ports import BackOffice
from hub.interfaces.request import Request
from hub.store.backoffice_tables import CreditCheckRow, PaymentAuthorizationRow
from hub.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CheckValidity:
    """How long what the hub issued may be relied on by an order."""

    credit_check: timedelta = timedelta(hours=24)
    authorization: timedelta = timedelta(days=7)


async def check_credit(asked: CreditCheckRequest, request: Request, uow: UnitOfWork,
                       back_office: BackOffice, validity: CheckValidity) -> Reply:
    """Ask the back office whether the account may owe ``amount``; keep the check."""

    async def record(uow: UnitOfWork, answer: CreditAnswer) -> tuple[str, dict]:
        now = datetime.now(UTC)
        row = CreditCheckRow(
            check_id=_new_id("CC"), account_id=asked.account_id, order_id=asked.order_id,
            amount=asked.amount, currency=asked.currency, decision=answer.decision,
            reason=answer.reason, valid_until=now + validity.credit_check, created_at=now)
        uow.backoffice.add_credit_check(row)
        result = CreditCheckResult(
            check_id=row.check_id, account_id=row.account_id, decision=answer.decision,
            amount=asked.amount, currency=asked.currency, reason=answer.reason,
            valid_until=row.valid_until)
        return "accepted", result.model_dump(mode="json")

    return await forward(uow, request, back_office, asked, CreditAnswer, record)


async def check_availability_of(asked: AvailabilityRequest, request: Request, uow: UnitOfWork,
                                back_office: BackOffice) -> Reply:
    """How many of each line's product the back office can deliver, and when."""

    async def record(uow: UnitOfWork, answer: AvailabilityAnswer) -> tuple[str, dict]:
        return "ok", AvailabilityResult(lines=answer.lines).model_dump(mode="json")

    return await forward(uow, request, back_office, asked, AvailabilityAnswer, record,
                         lambda answer: check_availability(asked, answer),
                         problems=repeated_lines(asked))


async def calculate_price(asked: PriceRequest, request: Request, uow: UnitOfWork,
                          back_office: BackOffice) -> Reply:
    """Tax per line and shipping from the back office; the total is the hub's sum."""

    async def record(uow: UnitOfWork, answer: PriceAnswer) -> tuple[str, dict]:
        result = PriceResult(
            currency=asked.order.currency, lines=answer.lines, tax_total=answer.tax_total,
            shipping=answer.shipping,
            total=asked.order.total() + answer.tax_total + answer.shipping)
        return "ok", result.model_dump(mode="json")

    return await forward(uow, request, back_office, asked, PriceAnswer, record,
                         lambda answer: check_price(asked, answer))


async def authorize_payment(asked: PaymentRequest, request: Request, uow: UnitOfWork,
                            back_office: BackOffice, validity: CheckValidity) -> Reply:
    """Have the payment provider reserve ``amount`` on a tokenised card; keep the outcome."""

    async def record(uow: UnitOfWork, answer: PaymentAnswer) -> tuple[str, dict]:
        now = datetime.now(UTC)
        row = PaymentAuthorizationRow(
            authorization_id=_new_id("AU"), account_id=asked.account_id,
            order_id=asked.order_id, amount=asked.amount, currency=asked.currency,
            card_token=asked.card_token, decision=answer.decision, reason=answer.reason,
            valid_until=now + validity.authorization, used_by_order_id=None, created_at=now)
        uow.backoffice.add_authorization(row)
        result = PaymentResult(
            authorization_id=row.authorization_id, decision=answer.decision,
            amount=asked.amount, currency=asked.currency, reason=answer.reason,
            valid_until=row.valid_until)
        return "accepted", result.model_dump(mode="json")

    return await forward(uow, request, back_office, asked, PaymentAnswer, record)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20].upper()}"
