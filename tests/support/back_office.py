"""The simulated back office as a test fixture, with a small book of accounts, stock and cards."""

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest

from simulators.backoffice import BackOfficeBook, BackOfficeSimulator


def a_book() -> BackOfficeBook:
    return BackOfficeBook(
        credit_limits={"ACC-42": Decimal(1000), "ACC-POOR": Decimal(100)},
        stock={"PHONE-X": 2, "ROUTER": 0},
        tax_rates={"PHONE-SVC": Decimal("0.21"), "BOOK": Decimal("0.09")},
        declined_tokens={"tok_declined"},
        today=date(2026, 11, 23),
    )


@pytest.fixture
async def back_office(amqp_url: str) -> AsyncIterator[BackOfficeSimulator]:
    async with BackOfficeSimulator(amqp_url, a_book()) as simulator:
        yield simulator
