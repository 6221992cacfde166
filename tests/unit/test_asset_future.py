"""Future state: the assets once every open order is provisioned, with conflicts flagged."""

from typing import Any

from hub.assets import AssetRecord, OpenOrder, future_state
from hub.canonical.orders import OrderItem

ACCOUNT = "ACC-42"


def asset(asset_id: str, parent: str | None = None, product: str = "PHONE",
          **fields: Any) -> AssetRecord:
    return AssetRecord(asset_id, ACCOUNT, parent, product, product.title(), **fields)


def phone_with_options() -> dict[str, AssetRecord]:
    records = [
        asset("P1", attributes={"msisdn": "+31611"}),
        asset("P1-VM", "P1", "VOICEMAIL"),
        asset("P1-RO", "P1", "ROAMING", attributes={"zone": "EU"}),
        asset("P2"),
    ]
    return {record.asset_id: record for record in records}


def line(line_id: str, action: str, asset_id: str | None = None, **fields: Any) -> OrderItem:
    product = fields.pop("product", "PHONE")
    return OrderItem(line_id=line_id, action=action, asset_id=asset_id, product_code=product,
                     product_name=product.title(), **fields)


def order(order_id: str, *lines: OrderItem, pending: set[str] | None = None) -> OpenOrder:
    return OpenOrder(order_id, 1, list(lines), frozenset(pending) if pending else None)


def future(*orders: OpenOrder, base: dict[str, AssetRecord] | None = None) -> Any:
    return future_state(phone_with_options() if base is None else base, orders,
                        account_id=ACCOUNT)


def test_without_open_orders_the_future_is_the_present() -> None:
    state = future()

    assert state.base == phone_with_options() and state.conflicts == []


def test_open_orders_apply_in_submission_order() -> None:
    state = future(
        order("O-1", line("1", "update", "P1-RO", product="ROAMING", attributes={"zone": "US"})),
        order("O-2", line("1", "update", "P1-RO", product="ROAMING",
                          attributes={"zone": "WORLD"})),
    )

    assert state.base["P1-RO"].attributes == {"zone": "WORLD"}
    assert state.conflicts == []


def test_later_order_may_change_what_an_earlier_open_order_adds() -> None:
    state = future(
        order("O-1", line("1", "add", product="DATA", attributes={"gb": 5})),
        order("O-2", line("1", "update", "O-1.1", product="DATA", attributes={"gb": 10})),
    )

    assert state.base["O-1.1"].attributes == {"gb": 10}
    assert state.conflicts == []


def test_update_of_a_phone_an_earlier_order_deletes_is_a_conflict() -> None:
    state = future(
        order("O-1", line("1", "delete", "P1")),
        order("O-2", line("1", "update", "P1-RO", product="ROAMING",
                          attributes={"zone": "WORLD"})),
    )

    [conflict] = state.conflicts
    assert conflict.code == "conflict.asset_deleted_by_earlier_order"
    assert (conflict.asset_id, conflict.order_id, conflict.line_id) == ("P1-RO", "O-2", "1")
    assert "O-1" in conflict.message
    assert state.base["P1-RO"].status == "terminated"
    assert state.base["P1-RO"].attributes == {"zone": "EU"}


def test_delete_of_an_asset_an_earlier_order_deletes_is_a_conflict() -> None:
    state = future(order("O-1", line("1", "delete", "P2")), order("O-2", line("7", "delete", "P2")))

    assert [(c.code, c.line_id) for c in state.conflicts] == [
        ("conflict.asset_deleted_by_earlier_order", "7"),
    ]


def test_add_under_a_phone_an_earlier_order_terminates_is_a_conflict() -> None:
    state = future(
        order("O-1", line("1", "delete", "P1")),
        order("O-2", line("1", "none", "P1"),
              line("2", "add", product="DATA", parent_line_id="1")),
    )

    assert [c.code for c in state.conflicts] == [
        "conflict.asset_deleted_by_earlier_order", "conflict.parent_terminated",
    ]
    assert "O-2.2" not in state.base


def test_line_on_an_unknown_asset_is_a_conflict_not_an_error() -> None:
    state = future(order("O-1", line("1", "suspend", "NOPE")))

    assert [(c.code, c.asset_id) for c in state.conflicts] == [("conflict.asset_unknown", "NOPE")]


def test_conflicting_line_is_skipped_but_the_rest_of_its_order_applies() -> None:
    state = future(order(
        "O-1",
        line("1", "update", "NOPE", attributes={"x": 1}),
        line("2", "suspend", "P2"),
        line("3", "add", product="TABLET"),
    ))

    assert len(state.conflicts) == 1
    assert state.base["P2"].status == "suspended"
    assert state.base["O-1.3"].product_code == "TABLET"


def test_terminating_within_the_same_order_is_not_blamed_on_an_earlier_order() -> None:
    state = future(order("O-1", line("1", "delete", "P1"), line("2", "suspend", "P1-VM")))

    assert [c.code for c in state.conflicts] == ["conflict.asset_terminated"]


def test_only_the_pending_lines_of_a_partly_provisioned_order_apply() -> None:
    base = {**phone_with_options(), "O-1.1": asset("O-1.1", product="DATA")}
    partly = order("O-1", line("1", "add", product="DATA"),
                   line("2", "add", product="DATA-BOOST", parent_line_id="1"), pending={"2"})

    state = future(partly, base=base)

    assert state.conflicts == []
    assert state.base["O-1.2"].parent_asset_id == "O-1.1"


def test_future_state_leaves_the_current_assets_untouched() -> None:
    base = phone_with_options()

    future(order("O-1", line("1", "delete", "P1")), base=base)

    assert base == phone_with_options()
