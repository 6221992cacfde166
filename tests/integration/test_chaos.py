"""A small run of the fault-injection suite (``make chaos`` runs the full one)."""

import pytest

from chaos.run import Scenario, run_scenario

pytestmark = pytest.mark.integration


@pytest.mark.timeout(900)
@pytest.mark.parametrize("scenario", [Scenario("sqlite"), Scenario("sqlite", workers=2),
                                      Scenario("postgresql", workers=2)],
                         ids=["sqlite", "sqlite-two-workers", "postgresql-two-workers"])
async def test_orders_survive_kills_a_sigterm_and_a_broker_restart(
    scenario: Scenario, postgres_url: str
):
    outcome = await run_scenario(scenario, orders=60, postgres_url=postgres_url)

    assert (outcome.kills, outcome.sigterms, outcome.broker_restarts) == (2, 1, 1)
    assert outcome.report.orders == 60
    assert (outcome.report.lost, outcome.report.duplicated_effects,
            outcome.report.changed_replies, outcome.report.rejected) == (0, 0, 0, 0)
