"""Laws of the installed base through time and on top of open orders, over random forests."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.assets import (
    AssetVersion,
    OpenOrder,
    apply_order,
    base_as_of,
    check_lines_against_base,
    compute_delta,
    future_state,
)
from hub.assets.history import record_document, record_from_document
from hub.assets.model import InstalledBase
from tests.unit.test_asset_laws import ACCOUNT, LAWS, draw_forest, draw_wanted, forests, shape

START = datetime(2026, 1, 1, tzinfo=UTC)


def next_wanted(draw: st.DrawFn, state: InstalledBase, step: str) -> InstalledBase:
    """A wanted state of ``state`` whose new assets get ids no earlier step used."""
    wanted = draw_wanted(draw, state)

    def renamed(asset_id: str | None) -> str | None:
        return asset_id if asset_id is None or asset_id in state else f"{step}{asset_id}"

    # the billing account moves now and then, so accounts change many times over a history
    return {renamed(asset_id): replace(record, asset_id=renamed(asset_id),
                                       parent_asset_id=renamed(record.parent_asset_id),
                                       billing_account_id=draw(billing_accounts))
            for asset_id, record in wanted.items()}


billing_accounts = st.sampled_from([None, None, "BA-1", "BA-2"])


def billed(base: InstalledBase) -> dict[str, str | None]:
    return {asset_id: r.billing_account_id for asset_id, r in base.items() if r.is_live}


@st.composite
def open_orders_and_wanted(draw: st.DrawFn) -> tuple[InstalledBase, list[OpenOrder],
                                                      InstalledBase]:
    """Assets now, one or two open orders each written against the state before it, and a
    wanted state of the future base."""
    current = draw_forest(draw)
    state, orders = current, []
    for n in range(draw(st.integers(1, 2))):
        order = OpenOrder(f"O-{n}", 1, compute_delta(state, next_wanted(draw, state, f"S{n}")))
        orders.append(order)
        state = apply_order(state, order.order_id, 1, order.lines, account_id=ACCOUNT).base
    return current, orders, next_wanted(draw, state, "W")


def after_open_orders(current: InstalledBase, orders: list[OpenOrder]) -> InstalledBase:
    state = current
    for order in orders:
        state = apply_order(state, order.order_id, order.revision, order.lines,
                            account_id=ACCOUNT).base
    return state


@LAWS
@given(open_orders_and_wanted())
def test_open_orders_then_the_future_delta_reach_the_wanted_state(case) -> None:
    current, orders, wanted = case
    future = future_state(current, orders, account_id=ACCOUNT)
    assert future.conflicts == []

    delta = compute_delta(future.base, wanted)

    fulfilled = after_open_orders(current, orders)
    assert check_lines_against_base(fulfilled, ACCOUNT, delta) == []
    done = apply_order(fulfilled, "D-F", 1, delta, account_id=ACCOUNT).base
    assert shape(done) == shape(wanted)
    named = {i: account for i, account in billed(wanted).items() if account is not None}
    assert named.items() <= billed(done).items()


@LAWS
@given(open_orders_and_wanted())
def test_the_future_delta_is_itself_an_open_order_that_reaches_the_wanted_state(case) -> None:
    current, orders, wanted = case
    delta = compute_delta(future_state(current, orders, account_id=ACCOUNT).base, wanted)

    state = future_state(current, [*orders, OpenOrder("D-F", 1, delta)], account_id=ACCOUNT)

    assert state.conflicts == [] and shape(state.base) == shape(wanted)


@st.composite
def recorded_histories(draw: st.DrawFn) -> tuple[InstalledBase, list[tuple[datetime, str,
                                                                             list]], datetime]:
    """A base recorded at START, then many orders, each fulfilled at its own (maybe equal)
    instant, and an instant to look at."""
    base = draw_forest(draw)
    state, steps, at = base, [], START
    for n in range(draw(st.integers(1, 6))):
        at += timedelta(seconds=draw(st.integers(0, 3)))
        lines = compute_delta(state, next_wanted(draw, state, f"S{n}"))
        steps.append((at, f"O-{n}", lines))
        state = apply_order(state, f"O-{n}", 1, lines, account_id=ACCOUNT).base
    look = START + timedelta(seconds=draw(st.integers(-1, 20)),
                             microseconds=draw(st.integers(0, 999_999)))
    return base, steps, look


@LAWS
@given(recorded_histories())
def test_as_of_any_instant_equals_replaying_the_history_up_to_it(case) -> None:
    base, steps, instant = case
    versions = [AssetVersion(START, n, record) for n, record in enumerate(base.values())]
    replayed = dict(base) if instant >= START else {}
    state = base
    for at, order_id, lines in steps:
        applied = apply_order(state, order_id, 1, lines, account_id=ACCOUNT)
        # as the repository keeps them: each changed asset, through its JSON document
        versions += [AssetVersion(at, len(versions) + n,
                                  record_from_document(record_document(applied.base[c.asset_id])))
                     for n, c in enumerate(applied.changes)]
        state = applied.base
        if at <= instant:
            replayed = dict(state)

    assert base_as_of(versions, instant) == replayed


@LAWS
@given(forests())
def test_a_version_document_keeps_every_field(base: InstalledBase) -> None:
    for record in base.values():
        assert record_from_document(record_document(record)) == record
