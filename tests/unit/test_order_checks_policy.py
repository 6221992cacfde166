"""Which credit checks and card authorisations an order may rely on."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hub.backoffice.order_policy import authorization_problem, credit_shortfall
from hub.canonical.orders import Order
from tests.support.factories import a_line, an_order

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class Issued:
    account_id: str = "ACC-42"
    decision: str = "approved"
    amount: Decimal = Decimal("100.00")
    currency: str = "EUR"
    valid_until: datetime = NOW + timedelta(hours=1)
    used_by_order_id: str | None = None


def order(**overrides) -> Order:  # type: ignore[no-untyped-def]
    return Order.model_validate(an_order("O-1", a_line("1", price={"one_time": "60.00",
                                                                   "recurring": "40.00"}),
                                         **overrides))


def test_an_approved_covering_unexpired_check_for_the_account_is_enough():
    assert credit_shortfall(order(credit_check_id="CC-1"), Issued(), NOW) is None


@pytest.mark.parametrize(("check", "reason"), [
    (None, "issued no credit check"),
    (Issued(account_id="ACC-7"), "is for account ACC-7"),
    (Issued(decision="review"), "was review"),
    (Issued(amount=Decimal("99.99")), "covers 99.99 EUR"),
    (Issued(currency="USD"), "covers 100.00 USD"),
    (Issued(valid_until=NOW), "expired"),
    # SQLite gives times back without a zone: they are UTC
    (Issued(valid_until=(NOW - timedelta(seconds=1)).replace(tzinfo=None)), "expired"),
])
def test_a_check_that_does_not_cover_the_order_says_why(check, reason):
    assert reason in credit_shortfall(order(credit_check_id="CC-1"), check, NOW)


def card(authorization_id: str | None = "AU-1") -> dict:
    return {"method": "card"} | ({"authorization_id": authorization_id} if authorization_id
                                 else {})


def test_only_card_orders_need_an_authorisation():
    assert authorization_problem(order(), None, NOW) is None
    assert authorization_problem(order(payment={"method": "invoice"}), None, NOW) is None


def test_the_authorisation_must_cover_the_one_time_total_only():
    assert authorization_problem(order(payment=card()), Issued(amount=Decimal("60.00"),
                                                               decision="authorized"), NOW) is None
    problem = authorization_problem(order(payment=card()),
                                    Issued(amount=Decimal("59.99"), decision="authorized"), NOW)
    assert (problem.code, problem.path) == ("payment.authorization_missing",
                                            "payment.authorization_id")


@pytest.mark.parametrize("issued", [None, Issued(decision="declined"),
                                    Issued(decision="authorized", used_by_order_id="O-9"),
                                    Issued(decision="authorized", valid_until=NOW)])
def test_a_card_order_without_a_usable_authorisation_is_refused(issued):
    assert authorization_problem(order(payment=card()), issued, NOW).code == (
        "payment.authorization_missing")


def test_the_same_order_may_rely_on_its_own_authorisation_again():
    issued = Issued(decision="authorized", used_by_order_id="O-1")
    assert authorization_problem(order(payment=card()), issued, NOW) is None
