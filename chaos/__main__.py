"""The fault injection suite; prints lost, duplicated and repeated counts and exits 1 when
anything was lost, done twice or answered differently.

``python -m chaos [--orders N] [--only sqlite|postgresql|two-workers|sqlite-two-workers|cluster]``
"""

import argparse
import asyncio
import logging
import os
import signal
import sys

from chaos.run import Outcome, Scenario, run_scenario

SCENARIOS = {
    "sqlite": Scenario("sqlite"),
    "postgresql": Scenario("postgresql"),
    "two-workers": Scenario("postgresql", workers=2),
    "sqlite-two-workers": Scenario("sqlite", workers=2),
    "cluster": Scenario("postgresql", cluster=True),
}


def _table(outcomes: list[Outcome]) -> str:
    head = ("scenario", "orders", "kill -9", "SIGTERM", "broker", "lost", "duplicated",
            "repeated replies", "changed replies", "relay repeats", "seconds")
    rows = [head] + [(o.scenario.name, o.report.orders, o.kills, o.sigterms, o.broker_restarts,
                      o.report.lost, o.report.duplicated_effects, o.report.repeated_replies,
                      o.report.changed_replies, o.report.relay_repeats, f"{o.seconds:.0f}")
                     for o in outcomes]
    return "\n".join("| " + " | ".join(str(c) for c in row) + " |" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=int(os.environ.get("CHAOS_ORDERS", 1000)))
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--postgres", default=os.environ.get(
        "CHAOS_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("aio_pika").setLevel(logging.CRITICAL)
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)
    # a SIGTERM to the suite still stops its private nodes and workers (finally blocks)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    outcomes = [asyncio.run(run_scenario(SCENARIOS[name], args.orders, args.postgres))
                for name in (args.only or list(SCENARIOS))]
    print(_table(outcomes))
    sys.exit(0 if all(o.report.ok for o in outcomes) else 1)


if __name__ == "__main__":
    main()
