"""Laws of the asset domain over random forests: delta, apply and future state agree."""

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.assets import (
    AssetRecord,
    OpenOrder,
    Origin,
    apply_order,
    check_lines_against_base,
    compute_delta,
    from_trees,
    future_state,
    live_assets,
    to_trees,
)
from hub.assets.model import InstalledBase, tree_order
from hub.canonical.types import text_problem

ACCOUNT = "ACC-1"
MAX_ASSETS = 30
LAWS = settings(max_examples=100, deadline=None)

attribute_values = st.one_of(
    st.text(max_size=3).filter(lambda s: text_problem(s) is None), st.integers(-3, 3),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
# each name present or not, with a value of any of the kinds above
attributes = st.fixed_dictionaries({}, optional={name: attribute_values
                                                 for name in ("colour", "minutes", "zone", "cap")})
products = st.sampled_from([("PLAN", "Family plan"), ("PHONE", "Phone"), ("VM", "Voicemail")])
# Strategies are made once, here: hypothesis works out each strategy object's properties on
# first use, and a strategy built inside every draw (a composite called with arguments) spends
# more time on that than on drawing. The helpers below take ``draw`` instead.
statuses = st.sampled_from(["active", "active", "suspended", "terminated"])
live_statuses = st.sampled_from(["active", "suspended"])
coins = st.booleans()
quantities = st.integers(1, 3)
one_in_four = st.integers(0, 3)
one_in_five = st.integers(0, 4)
root_counts, child_counts = st.integers(0, 4), st.integers(0, 3)
new_asset_counts = st.integers(0, 5)
parent_picks = [st.integers(0, n) for n in range(MAX_ASSETS + 6)]


def draw_record(draw: st.DrawFn, asset_id: str, parent: AssetRecord | None, *,
                live: bool = False) -> AssetRecord:
    """An asset under ``parent``: under a terminated parent, terminated; ``live``, never."""
    code, name = draw(products)
    if parent and parent.status == "terminated":
        status = "terminated"
    else:
        status = draw(live_statuses if live else statuses)
    origin = Origin("O-0", 1, asset_id) if draw(coins) else None
    return AssetRecord(asset_id, ACCOUNT, parent.asset_id if parent else None, code, name,
                       status, draw(quantities), draw(attributes), origin)


def draw_forest(draw: st.DrawFn) -> dict[str, AssetRecord]:
    """Up to 30 assets in trees of up to 3 levels; terminated parents have terminated children."""
    base: dict[str, AssetRecord] = {}

    def grow(parent: AssetRecord | None, depth: int) -> None:
        for _ in range(draw(root_counts if depth == 0 else child_counts)):
            if len(base) >= MAX_ASSETS:
                return
            record = draw_record(draw, f"A{len(base)}", parent)
            base[record.asset_id] = record
            if depth < 2:
                grow(record, depth + 1)

    grow(None, 0)
    return base


def draw_wanted(draw: st.DrawFn, current: InstalledBase) -> dict[str, AssetRecord]:
    """The live assets edited at random, some subtrees dropped, some new assets added."""
    live = live_assets(current)
    wanted: dict[str, AssetRecord] = {}
    for asset_id in tree_order({i: r.parent_asset_id for i, r in live.items()}):
        record = live[asset_id]
        # a dropped parent takes its subtree with it: a kept child would have to move
        parent_kept = record.parent_asset_id is None or record.parent_asset_id in wanted
        if parent_kept and draw(one_in_five) > 0:
            wanted[asset_id] = draw_edit(draw, record)
    for n in range(draw(new_asset_counts)):
        # 0 is a new root, k the k-th wanted asset as the parent
        pick = draw(parent_picks[len(wanted)])
        parent = list(wanted.values())[pick - 1] if pick else None
        wanted[f"N{n}"] = draw_record(draw, f"N{n}", parent, live=True)
    return wanted


forests = st.composite(draw_forest)


def draw_edit(draw: st.DrawFn, record: AssetRecord) -> AssetRecord:
    changes: dict[str, Any] = {}
    if draw(coins):
        changes["attributes"] = draw(attributes)
    if draw(coins):
        changes["status"] = draw(live_statuses)
    if draw(one_in_four) == 0:
        changes["quantity"] = draw(quantities)
    if draw(one_in_four) == 0:
        changes["product_code"], changes["product_name"] = draw(products)
    return replace(record, **changes)


def shape(base: InstalledBase) -> dict[str, tuple[Any, ...]]:
    """What a customer sees of each live asset; attribute types count (True is not 1)."""
    return {
        asset_id: (r.status, r.parent_asset_id, r.product_code, r.product_name, r.quantity,
                   sorted((k, type(v).__name__, v) for k, v in r.attributes.items()))
        for asset_id, r in live_assets(base).items()
    }


def applied(base: InstalledBase, wanted: InstalledBase, order_id: str = "D-1") -> InstalledBase:
    return apply_order(base, order_id, 1, compute_delta(base, wanted), account_id=ACCOUNT).base


@st.composite
def current_and_wanted(draw: st.DrawFn) -> tuple[dict[str, AssetRecord], dict[str, AssetRecord]]:
    current = draw_forest(draw)
    return current, draw_wanted(draw, current)


@LAWS
@given(current_and_wanted())
def test_applying_the_delta_reaches_the_wanted_state(pair: tuple[InstalledBase, ...]) -> None:
    current, wanted = pair

    assert shape(applied(current, wanted)) == shape(wanted)


@LAWS
@given(current_and_wanted())
def test_delta_lines_always_fit_the_current_assets(pair: tuple[InstalledBase, ...]) -> None:
    current, wanted = pair

    assert check_lines_against_base(current, ACCOUNT, compute_delta(current, wanted)) == []


@LAWS
@given(forests())
def test_delta_of_assets_with_themselves_is_all_none(current: InstalledBase) -> None:
    lines = compute_delta(current, current)

    assert [line.action for line in lines] == ["none"] * len(live_assets(current))


@LAWS
@given(current_and_wanted())
def test_delta_then_inverse_delta_restores_the_live_assets(pair: tuple[InstalledBase, ...]) -> None:
    current, wanted = pair
    there = applied(current, wanted)

    back = apply_order(there, "D-2", 1, compute_delta(wanted, current), account_id=ACCOUNT).base

    assert shape(back) == shape(current)


@LAWS
@given(current_and_wanted())
def test_future_state_of_one_open_delta_is_the_wanted_state(pair: tuple[InstalledBase, ...]) -> None:
    current, wanted = pair

    state = future_state(current, [OpenOrder("D-1", 1, compute_delta(current, wanted))],
                         account_id=ACCOUNT)

    assert state.conflicts == [] and shape(state.base) == shape(wanted)


@st.composite
def two_competing_orders(draw: st.DrawFn) -> tuple[InstalledBase, OpenOrder, OpenOrder]:
    current = draw_forest(draw)
    first, second = draw_wanted(draw, current), draw_wanted(draw, current)
    return (current, OpenOrder("O-1", 1, compute_delta(current, first)),
            OpenOrder("O-2", 1, compute_delta(current, second)))


@LAWS
@given(two_competing_orders())
def test_future_state_skips_exactly_the_lines_it_reports(
    case: tuple[InstalledBase, OpenOrder, OpenOrder],
) -> None:
    current, first, second = case

    state = future_state(current, [first, second], account_id=ACCOUNT)

    skipped = {c.line_id for c in state.conflicts}
    assert {c.order_id for c in state.conflicts} <= {"O-2"}
    after_first = apply_order(current, "O-1", 1, first.lines, account_id=ACCOUNT).base
    fitting = {line.line_id for line in second.lines} - skipped
    after_second = apply_order(after_first, "O-2", 1, second.lines, account_id=ACCOUNT,
                               apply_only=fitting).base
    assert after_second == state.base


@LAWS
@given(forests())
def test_trees_round_trip_keeps_every_asset(current: InstalledBase) -> None:
    assert from_trees(to_trees(current, include_terminated=True)) == current
    assert from_trees(to_trees(current)) == live_assets(current)
