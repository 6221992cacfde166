"""How long each parser is fuzzed: ``FUZZ_SECONDS`` shared by the targets (``make fuzz``).

Unset (as in ``make test``) each target runs a short round; each round draws new examples.
"""

import functools
import os
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings

TARGETS = 7
SECONDS = float(os.environ.get("FUZZ_SECONDS", "14")) / TARGETS
ROUND = settings(max_examples=150, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


def for_its_share(test: Callable[[], None]) -> Callable[[], None]:
    """Run a hypothesis test round after round until its share of the budget is spent."""

    @pytest.mark.timeout(SECONDS * 3 + 120)
    @functools.wraps(test)
    def rounds() -> None:
        deadline = time.monotonic() + SECONDS
        test()
        while time.monotonic() < deadline:
            test()

    return rounds
