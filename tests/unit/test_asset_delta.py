"""Delta orders: the lines that turn the current assets into the wanted ones, and nothing else."""

from dataclasses import replace
from typing import Any

import pytest

from hub.assets import (
    AssetRecord,
    AssetRepeated,
    WantedStateRefused,
    apply_order,
    check_lines_against_base,
    compute_delta,
    from_trees,
    to_trees,
)
from hub.canonical.orders import Order, OrderItem

ACCOUNT = "ACC-42"


def asset(asset_id: str, parent: str | None = None, product: str = "PHONE",
          **fields: Any) -> AssetRecord:
    return AssetRecord(asset_id, ACCOUNT, parent, product, product.title(), **fields)


def family_plan() -> dict[str, AssetRecord]:
    """A family plan with two phones, each with voicemail and EU roaming."""
    records = [asset("PLAN", product="FAM-1500", attributes={"minutes": 1500})]
    for phone in ("P1", "P2"):
        records += [
            asset(phone, "PLAN", attributes={"msisdn": f"+316{phone}"}),
            asset(f"{phone}-VM", phone, "VOICEMAIL"),
            asset(f"{phone}-RO", phone, "ROAMING", attributes={"zone": "EU"}),
        ]
    return {record.asset_id: record for record in records}


def edited(base: dict[str, AssetRecord], asset_id: str, **fields: Any) -> dict[str, AssetRecord]:
    return {**base, asset_id: replace(base[asset_id], **fields)}


def without(base: dict[str, AssetRecord], *asset_ids: str) -> dict[str, AssetRecord]:
    return {i: r for i, r in base.items() if i not in asset_ids}


def actions(lines: list[OrderItem]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in lines:
        found.setdefault(line.asset_id or "", []).append(line.action)
    return found


def test_unchanged_assets_give_none_lines_only() -> None:
    lines = compute_delta(family_plan(), family_plan())

    assert [line.action for line in lines] == ["none"] * 7


def test_changing_one_phones_roaming_gives_one_update_with_its_old_value() -> None:
    wanted = edited(family_plan(), "P2-RO", attributes={"zone": "WORLD"})

    lines = compute_delta(family_plan(), wanted)

    [update] = [line for line in lines if line.action != "none"]
    assert (update.asset_id, update.product_code) == ("P2-RO", "ROAMING")
    assert (update.attributes, update.old_attributes) == ({"zone": "WORLD"}, {"zone": "EU"})


def test_removed_attribute_is_sent_as_none_and_added_one_with_no_old_value() -> None:
    wanted = edited(family_plan(), "P1", attributes={"colour": "black"})

    [update] = [line for line in compute_delta(family_plan(), wanted) if line.action == "update"]

    assert update.attributes == {"colour": "black", "msisdn": None}
    assert update.old_attributes == {"colour": None, "msisdn": "+316P1"}


def test_attribute_changing_type_is_an_update() -> None:
    current = {"X": asset("X", attributes={"flag": 1})}
    wanted = {"X": asset("X", attributes={"flag": True})}

    assert actions(compute_delta(current, wanted)) == {"X": ["update"]}


@pytest.mark.parametrize("change", [{"quantity": 2}, {"product_code": "PHONE-5G"},
                                    {"product_name": "Phone 5G"}])
def test_quantity_or_product_change_is_an_update(change: dict[str, Any]) -> None:
    wanted = edited(family_plan(), "P1", **change)

    assert actions(compute_delta(family_plan(), wanted))["P1"] == ["update"]


def test_new_option_is_added_under_its_phones_line() -> None:
    wanted = {**family_plan(), "P1-DATA": asset("P1-DATA", "P1", "DATA", attributes={"gb": 5})}

    lines = compute_delta(family_plan(), wanted)

    [add] = [line for line in lines if line.action == "add"]
    phone_line = next(line for line in lines if line.asset_id == "P1")
    assert (add.asset_id, add.attributes, add.parent_line_id) == (
        "P1-DATA", {"gb": 5}, phone_line.line_id,
    )


def test_removed_phone_is_deleted_with_a_line_for_each_option() -> None:
    wanted = without(family_plan(), "P2", "P2-VM", "P2-RO")

    lines = compute_delta(family_plan(), wanted)

    deletes = [line for line in lines if line.action == "delete"]
    assert [line.asset_id for line in deletes] == ["P2", "P2-RO", "P2-VM"]
    assert deletes[1].parent_line_id == deletes[2].parent_line_id == deletes[0].line_id


def test_suspended_phone_in_wanted_state_gives_suspend_and_active_again_gives_resume() -> None:
    suspended = edited(family_plan(), "P1", status="suspended")

    assert actions(compute_delta(family_plan(), suspended))["P1"] == ["suspend"]
    assert actions(compute_delta(suspended, family_plan()))["P1"] == ["resume"]


def test_suspending_and_changing_a_phone_gives_update_then_suspend() -> None:
    wanted = edited(family_plan(), "P1", status="suspended", quantity=2)

    assert actions(compute_delta(family_plan(), wanted))["P1"] == ["update", "suspend"]


def test_new_suspended_asset_is_added_then_suspended() -> None:
    wanted = {**family_plan(), "P3": asset("P3", "PLAN", status="suspended")}

    assert actions(compute_delta(family_plan(), wanted))["P3"] == ["add", "suspend"]


def test_lines_are_numbered_in_tree_order_parents_first() -> None:
    wanted = {**without(family_plan(), "P1-VM"), "P3": asset("P3", "PLAN")}

    lines = compute_delta(family_plan(), wanted)

    assert [line.line_id for line in lines] == [str(n) for n in range(1, 9)]
    assert [line.asset_id for line in lines] == [
        "PLAN", "P1", "P1-RO", "P1-VM", "P2", "P2-RO", "P2-VM", "P3",
    ]
    seen: set[str] = set()
    for line in lines:
        assert line.parent_line_id is None or line.parent_line_id in seen
        seen.add(line.line_id)


def test_delta_lines_are_ready_to_submit_and_fit_the_current_assets() -> None:
    wanted = {**edited(family_plan(), "P1-RO", attributes={}), "P3": asset("P3", "PLAN")}
    lines = compute_delta(family_plan(), wanted)

    order = Order(order_id="D-1", account_id=ACCOUNT, currency="EUR",
                  submitted_at="2025-04-01T10:00:00+02:00", items=lines)

    assert order.total() == 0 and all(line.trackable for line in order.items)
    assert check_lines_against_base(family_plan(), ACCOUNT, order.items) == []


def test_applied_delta_updates_the_assets_in_place() -> None:
    wanted = edited(family_plan(), "P2-RO", attributes={"zone": "WORLD"})

    after = apply_order(family_plan(), "D-1", 1, compute_delta(family_plan(), wanted),
                        account_id=ACCOUNT)

    assert [(c.kind, c.asset_id) for c in after.changes] == [("updated", "P2-RO")]
    assert after.base["P2-RO"].attributes == {"zone": "WORLD"}


def test_terminated_assets_are_ignored_unless_wanted_again() -> None:
    current = edited(family_plan(), "P2-VM", status="terminated")

    assert "P2-VM" not in actions(compute_delta(current, without(current, "P2-VM")))
    assert actions(compute_delta(current, family_plan()))["P2-VM"] == ["add"]


def test_moving_an_asset_to_another_parent_is_refused() -> None:
    wanted = edited(family_plan(), "P1-VM", parent_asset_id="P2")

    with pytest.raises(WantedStateRefused) as refused:
        compute_delta(family_plan(), wanted)

    assert [(p.code, p.asset_id) for p in refused.value.problems] == [
        ("wanted.asset_moved", "P1-VM"),
    ]
    assert refused.value.problems[0].to_error().code == "wanted.asset_moved"


def test_wanted_option_under_an_unwanted_phone_is_refused() -> None:
    wanted = edited(family_plan(), "P1", status="terminated")

    with pytest.raises(WantedStateRefused) as refused:
        compute_delta(family_plan(), wanted)

    assert {p.code for p in refused.value.problems} == {"wanted.parent_not_wanted"}
    assert {p.asset_id for p in refused.value.problems} == {"P1-VM", "P1-RO"}


def test_wanted_trees_from_the_front_office_flatten_with_parents_from_nesting() -> None:
    trees = to_trees(family_plan())
    trees[0].children[0].children[0].parent_asset_id = None

    assert from_trees(trees) == family_plan()


def test_wanted_trees_naming_an_asset_twice_are_refused() -> None:
    [plan] = to_trees(family_plan())

    with pytest.raises(AssetRepeated) as refused:
        from_trees([plan, plan.children[0]])

    assert refused.value.asset_id == "P1" and refused.value.code == "wanted.asset_repeated"
