"""The asset operations pause the cycle collector only while they run."""

import gc

import pytest

from hub.assets import compute_delta, to_trees
from hub.assets.bulk import bulk
from tests.unit.test_asset_delta import family_plan


def test_the_collector_runs_again_after_an_operation_and_after_its_error() -> None:
    seen: list[bool] = []

    @bulk
    def fails() -> None:
        seen.append(gc.isenabled())
        raise ValueError("boom")

    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"):
        fails()
    assert seen == [False]
    assert gc.isenabled()


def test_a_nested_operation_leaves_the_collector_paused_for_the_outer_one() -> None:
    inside: list[bool] = []

    @bulk
    def inner() -> None:
        inside.append(gc.isenabled())

    @bulk
    def outer() -> None:
        inner()
        inside.append(gc.isenabled())

    outer()
    assert inside == [False, False]
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        compute_delta(family_plan(), family_plan())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_asset_operations_leave_the_collector_on() -> None:
    lines = compute_delta(family_plan(), family_plan())
    trees = to_trees(family_plan())
    assert lines and trees
    assert gc.isenabled()
