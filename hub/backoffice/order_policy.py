"""Which credit checks and card authorisations an order may rely on (CONTRACT D, order policy)."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from hub.canonical.orders import Order
from hub.errors import HubError, error

CREDIT_REVIEW = "credit_review"
APPROVAL = "approval"


class CreditCheck(Protocol):
    account_id: str
    decision: str
    amount: Decimal
    currency: str
    valid_until: datetime


class Authorization(Protocol):
    account_id: str
    decision: str
    amount: Decimal
    currency: str
    valid_until: datetime
    used_by_order_id: str | None


def one_time_total(order: Order) -> Decimal:
    return sum((item.price.one_time * item.quantity for item in order.items), Decimal(0))


def credit_shortfall(order: Order, check: CreditCheck | None, now: datetime) -> str | None:
    """Why ``check`` does not cover ``order``, or None when the order may go ahead on it."""
    if check is None:
        return ("no credit check the hub issued is named" if order.credit_check_id is None
                else f"the hub issued no credit check {order.credit_check_id}")
    if check.account_id != order.account_id:
        return f"credit check {order.credit_check_id} is for account {check.account_id}"
    if check.decision != "approved":
        return f"credit check {order.credit_check_id} was {check.decision}"
    if check.currency != order.currency or check.amount < order.total():
        return (f"credit check {order.credit_check_id} covers {check.amount} {check.currency}, "
                f"the order is worth {order.total()} {order.currency}")
    if _aware(check.valid_until) <= now:
        return f"credit check {order.credit_check_id} expired at {check.valid_until.isoformat()}"
    return None


def authorization_problem(order: Order, authorization: Authorization | None,
                          now: datetime) -> HubError | None:
    """Why a card order may not rely on its authorisation, or None when it may."""
    payment = order.payment
    if payment is None or payment.method != "card":
        return None
    reason = _authorization_shortfall(order, authorization, now)
    if reason is None:
        return None
    return error("payment.authorization_missing", f"a card order needs an authorisation the "
                 f"hub issued for at least {one_time_total(order)} {order.currency}: {reason}",
                 "payment.authorization_id")


def _authorization_shortfall(order: Order, authorization: Authorization | None,
                             now: datetime) -> str | None:
    named = order.payment.authorization_id if order.payment else None
    if authorization is None:
        return "none is named" if named is None else f"the hub issued no authorisation {named}"
    if authorization.account_id != order.account_id:
        return f"{named} is for account {authorization.account_id}"
    if authorization.decision != "authorized":
        return f"{named} was {authorization.decision}"
    if authorization.used_by_order_id not in (None, order.order_id):
        return f"{named} already pays for order {authorization.used_by_order_id}"
    if authorization.currency != order.currency or authorization.amount < one_time_total(order):
        return f"{named} covers {authorization.amount} {authorization.currency}"
    if _aware(authorization.valid_until) <= now:
        return f"{named} expired at {authorization.valid_until.isoformat()}"
    return None


def _aware(moment: datetime) -> datetime:
    # SQLite hands times back without their zone; the hub stores them in UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
