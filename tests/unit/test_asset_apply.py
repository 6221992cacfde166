"""Applying fulfilled orders to an installed base: trackable lines become assets, misfits refused."""

from typing import Any

import pytest

from hub.assets import (
    AssetRecord,
    OrderDoesNotFitAssets,
    apply_order,
    check_lines_against_base,
    new_asset_id,
    to_trees,
)
from hub.canonical.orders import Order, OrderItem

ACCOUNT = "ACC-42"


def line(line_id: str, action: str = "add", product: str = "PHONE", **fields: Any) -> OrderItem:
    return OrderItem(
        line_id=line_id, action=action, product_code=product,
        product_name=fields.pop("name", product.title()), **fields,
    )


def telemedia_family_order() -> list[OrderItem]:
    """TeleMedia's family 1500-minute plan: three phones with voicemail and roaming, installed."""
    lines = [line("1", product="FAM-1500", name="Family 1500 minutes", attributes={"minutes": 1500})]
    for phone in (1, 2, 3):
        phone_line = str(phone * 10)
        lines += [
            line(phone_line, parent_line_id="1", attributes={"msisdn": f"+3161234000{phone}"}),
            line(f"{phone_line}1", product="VOICEMAIL", parent_line_id=phone_line),
            line(f"{phone_line}2", product="ROAMING", parent_line_id=phone_line,
                 attributes={"zone": "EU"}),
        ]
    return [*lines, line("99", product="INSTALL", name="Installation", trackable=False)]


def family_base() -> dict[str, AssetRecord]:
    return dict(apply_order({}, "O-1", 1, telemedia_family_order(), account_id=ACCOUNT).base)


def codes(lines: list[OrderItem], base: dict[str, AssetRecord] | None = None) -> list[str]:
    problems = check_lines_against_base(family_base() if base is None else base, ACCOUNT, lines)
    return [p.code for p in problems]


# --- the TeleMedia family plan -------------------------------------------------------------


def test_installation_line_never_becomes_an_asset() -> None:
    base = family_base()

    assert "O-1.99" not in base
    assert all(record.product_code != "INSTALL" for record in base.values())


def test_family_plan_becomes_one_tree_of_plan_phones_and_options() -> None:
    [plan] = to_trees(family_base())

    assert plan.product_code == "FAM-1500" and plan.attributes == {"minutes": 1500}
    assert [phone.attributes["msisdn"] for phone in plan.children] == [
        "+31612340001", "+31612340002", "+31612340003",
    ]
    assert all(
        [option.product_code for option in phone.children] == ["VOICEMAIL", "ROAMING"]
        for phone in plan.children
    )


def test_assets_carry_account_and_the_order_line_they_came_from() -> None:
    roaming = family_base()["O-1.202"]

    assert roaming.account_id == ACCOUNT
    assert roaming.parent_asset_id == "O-1.20"
    assert roaming.from_order == ("O-1", 1, "202")
    assert roaming.attributes == {"zone": "EU"}


def test_new_asset_ids_are_the_same_on_every_replay() -> None:
    assert family_base() == family_base()
    assert new_asset_id("O-1", "20") == "O-1.20"


def test_overlong_generated_asset_id_is_shortened_stably_to_a_valid_identifier() -> None:
    order_id = "O-" + "9" * 62

    generated = new_asset_id(order_id, "1")

    assert generated == new_asset_id(order_id, "1") != new_asset_id(order_id, "2")
    assert len(generated) <= 64


def test_add_line_with_an_asset_id_keeps_that_id() -> None:
    base = apply_order({}, "O-2", 1, [line("1", asset_id="MSISDN-7")], account_id=ACCOUNT).base

    assert list(base) == ["MSISDN-7"]


def test_attribute_ordered_as_none_is_not_stored() -> None:
    lines = [line("1", attributes={"colour": "red", "case": None})]

    base = apply_order({}, "O-2", 1, lines, account_id=ACCOUNT).base

    assert base["O-2.1"].attributes == {"colour": "red"}


def test_option_added_under_a_none_line_goes_under_that_existing_phone() -> None:
    lines = [
        line("1", "none", asset_id="O-1.10"),
        line("2", product="DATA-5GB", parent_line_id="1"),
    ]

    base = apply_order(family_base(), "O-2", 1, lines, account_id=ACCOUNT).base

    assert base["O-2.2"].parent_asset_id == "O-1.10"


def test_add_under_a_non_trackable_line_becomes_a_root() -> None:
    lines = [line("1", product="INSTALL", trackable=False), line("2", parent_line_id="1")]

    base = apply_order({}, "O-2", 1, lines, account_id=ACCOUNT).base

    assert base["O-2.2"].parent_asset_id is None


def test_partly_fulfilled_order_finds_the_parent_asset_applied_earlier() -> None:
    order = telemedia_family_order()
    first = apply_order({}, "O-1", 1, order, account_id=ACCOUNT, apply_only={"1", "10"}).base

    then = apply_order(first, "O-1", 1, order, account_id=ACCOUNT, apply_only={"101"}).base

    assert set(first) == {"O-1.1", "O-1.10"}
    assert then["O-1.101"].parent_asset_id == "O-1.10"


# --- updates, deletes and status -----------------------------------------------------------


def test_update_merges_new_values_over_old_and_none_removes_an_attribute() -> None:
    base = apply_order({}, "O-2", 1, [line("1", attributes={"zone": "EU", "cap": 50})],
                       account_id=ACCOUNT).base
    update = line("1", "update", asset_id="O-2.1", attributes={"zone": "WORLD", "cap": None,
                                                               "alerts": True})

    after = apply_order(base, "O-3", 1, [update], account_id=ACCOUNT)

    assert after.base["O-2.1"].attributes == {"zone": "WORLD", "alerts": True}
    [change] = after.changes
    assert change.kind == "updated"
    assert change.changed_attributes() == (
        {"alerts": True, "cap": None, "zone": "WORLD"},
        {"alerts": None, "cap": 50, "zone": "EU"},
    )


def test_update_without_a_quantity_keeps_it_and_with_one_sets_it() -> None:
    base = apply_order({}, "O-2", 1, [line("1", quantity=3)], account_id=ACCOUNT).base
    untouched = line("1", "update", asset_id="O-2.1", attributes={"colour": "red"})
    recount = line("1", "update", asset_id="O-2.1", quantity=5)

    assert apply_order(base, "O-3", 1, [untouched], account_id=ACCOUNT).base["O-2.1"].quantity == 3
    assert apply_order(base, "O-3", 1, [recount], account_id=ACCOUNT).base["O-2.1"].quantity == 5


def test_update_that_changes_nothing_records_no_change() -> None:
    same = line("1", "update", product="ROAMING", name="Roaming", asset_id="O-1.102",
                attributes={"zone": "EU"})

    after = apply_order(family_base(), "O-2", 1, [same], account_id=ACCOUNT)

    assert after.changes == []
    assert after.base["O-1.102"].from_order == ("O-1", 1, "102")


def test_update_can_change_the_product() -> None:
    upgrade = line("1", "update", product="FAM-3000", name="Family 3000", asset_id="O-1.1")

    after = apply_order(family_base(), "O-2", 1, [upgrade], account_id=ACCOUNT).base

    assert (after["O-1.1"].product_code, after["O-1.1"].product_name) == ("FAM-3000", "Family 3000")
    assert after["O-1.1"].attributes == {"minutes": 1500}


def test_delete_terminates_the_phone_and_its_options() -> None:
    after = apply_order(family_base(), "O-2", 1, [line("1", "delete", asset_id="O-1.20")],
                        account_id=ACCOUNT)

    assert [(c.kind, c.asset_id) for c in after.changes] == [
        ("terminated", "O-1.20"), ("terminated", "O-1.201"), ("terminated", "O-1.202"),
    ]
    assert {i for i, r in after.base.items() if r.status == "terminated"} == {
        "O-1.20", "O-1.201", "O-1.202",
    }
    assert all(c.line_id == "1" and c.new.from_order == ("O-2", 1, "1") for c in after.changes)


def test_delete_lines_for_options_after_their_deleted_phone_are_accepted() -> None:
    lines = [
        line("1", "delete", asset_id="O-1.20"),
        line("2", "delete", product="VOICEMAIL", asset_id="O-1.201", parent_line_id="1"),
    ]

    after = apply_order(family_base(), "O-2", 1, lines, account_id=ACCOUNT)

    assert len(after.changes) == 3
    assert after.base["O-1.201"].status == "terminated"


def test_suspend_then_resume_gives_back_an_active_phone() -> None:
    suspended = apply_order(family_base(), "O-2", 1, [line("1", "suspend", asset_id="O-1.30")],
                            account_id=ACCOUNT)
    resumed = apply_order(suspended.base, "O-3", 1, [line("1", "resume", asset_id="O-1.30")],
                          account_id=ACCOUNT)

    assert suspended.base["O-1.30"].status == "suspended"
    assert suspended.base["O-1.301"].status == "active"
    assert resumed.base["O-1.30"].status == "active"
    assert [c.kind for c in suspended.changes + resumed.changes] == ["suspended", "resumed"]


def test_none_line_changes_nothing() -> None:
    base = family_base()

    after = apply_order(base, "O-2", 1, [line("1", "none", asset_id="O-1.10")], account_id=ACCOUNT)

    assert after.base == base and after.changes == []


def test_applying_an_order_leaves_the_given_base_untouched() -> None:
    base = family_base()
    snapshot = dict(base)

    apply_order(base, "O-2", 1, [line("1", "delete", asset_id="O-1.1")], account_id=ACCOUNT)

    assert base == snapshot


def test_terminated_asset_id_can_be_added_again_as_a_new_asset() -> None:
    gone = apply_order(family_base(), "O-2", 1, [line("1", "delete", asset_id="O-1.30")],
                       account_id=ACCOUNT).base

    back = apply_order(gone, "O-3", 1, [line("1", asset_id="O-1.30")], account_id=ACCOUNT)

    assert back.base["O-1.30"].status == "active"
    assert back.base["O-1.30"].parent_asset_id is None
    assert back.base["O-1.301"].status == "terminated"
    assert back.changes[0].kind == "created" and back.changes[0].old is not None


# --- lines that do not fit -----------------------------------------------------------------


@pytest.mark.parametrize("action", ["update", "delete", "suspend", "resume", "none"])
def test_line_on_an_unknown_asset_is_refused(action: str) -> None:
    assert codes([line("1", action, asset_id="NOPE")]) == ["line.asset_unknown"]


def test_line_on_another_accounts_asset_is_refused_as_unknown() -> None:
    stranger = {"X-1": AssetRecord("X-1", "ACC-7", None, "PHONE", "Phone")}

    [problem] = check_lines_against_base(stranger, ACCOUNT, [line("1", "update", asset_id="X-1")])

    assert problem.code == "line.asset_unknown"
    assert "does not belong to account ACC-42" in problem.message


@pytest.mark.parametrize("action", ["update", "delete", "suspend", "resume", "none"])
def test_line_on_a_terminated_asset_is_refused(action: str) -> None:
    gone = apply_order(family_base(), "O-2", 1, [line("1", "delete", asset_id="O-1.30")],
                       account_id=ACCOUNT).base

    [problem] = check_lines_against_base(gone, ACCOUNT, [line("1", action, asset_id="O-1.30")])

    assert problem.code == "line.asset_terminated"
    assert "terminated by order O-2 line 1" in problem.message


def test_none_line_is_checked_like_any_other_though_it_changes_nothing() -> None:
    # the replay skips a `none` line on a live asset of the account without the full checks
    stranger = {**family_base(), "X-1": AssetRecord("X-1", "ACC-7", None, "PHONE", "Phone")}
    lines = [line("1", "none", asset_id="O-1.10"), line("2", "none", asset_id="X-1"),
             line("3", "none"), line("4", "none", asset_id="NOPE")]

    problems = check_lines_against_base(stranger, ACCOUNT, lines)

    assert [(p.line_id, p.code) for p in problems] == [
        ("2", "line.asset_unknown"), ("3", "line.asset_id_missing"), ("4", "line.asset_unknown"),
    ]


def test_update_after_a_delete_of_the_same_phone_in_one_order_is_refused() -> None:
    lines = [line("1", "delete", asset_id="O-1.10"), line("2", "update", asset_id="O-1.101")]

    assert codes(lines) == ["line.asset_terminated"]


def test_line_without_an_asset_id_is_refused_unless_it_adds() -> None:
    assert codes([line("1", "update"), line("2")]) == ["line.asset_id_missing"]


def test_adding_an_asset_id_already_in_use_is_refused() -> None:
    assert codes([line("1", asset_id="O-1.10")]) == ["line.asset_id_taken"]


def test_resubmitting_an_applied_order_is_refused_when_the_order_id_is_given() -> None:
    problems = check_lines_against_base(family_base(), ACCOUNT, telemedia_family_order(),
                                        order_id="O-1")

    assert {p.code for p in problems} == {"line.asset_id_taken"}
    assert len(problems) == 10


def test_add_under_a_terminated_phone_is_refused() -> None:
    gone = apply_order(family_base(), "O-2", 1, [line("1", "delete", asset_id="O-1.30")],
                       account_id=ACCOUNT).base
    lines = [line("1", "none", asset_id="O-1.30"), line("2", parent_line_id="1")]

    assert codes(lines, gone) == ["line.asset_terminated", "line.parent_terminated"]


def test_add_under_a_phone_this_order_deletes_is_refused() -> None:
    lines = [line("1", product="DATA", parent_line_id="2"), line("2", "delete", asset_id="O-1.10")]

    assert codes(lines) == ["line.parent_terminated"]


def test_add_before_its_parent_line_is_refused() -> None:
    lines = [line("1", product="VOICEMAIL", parent_line_id="2"), line("2")]

    assert codes(lines, {}) == ["line.parent_unresolved"]


def test_add_under_a_refused_line_is_refused_too() -> None:
    lines = [line("1", "none", asset_id="NOPE"), line("2", parent_line_id="1")]

    assert codes(lines) == ["line.asset_unknown", "line.parent_unresolved"]


def test_suspending_a_suspended_or_resuming_an_active_phone_is_refused() -> None:
    lines = [
        line("1", "suspend", asset_id="O-1.10"),
        line("2", "suspend", asset_id="O-1.10"),
        line("3", "resume", asset_id="O-1.20"),
    ]

    assert codes(lines) == ["line.asset_not_active", "line.asset_not_suspended"]


def test_non_trackable_lines_are_never_checked_against_assets() -> None:
    assert codes([line("1", "update", product="INSTALL", trackable=False)]) == []


def test_problems_name_the_line_and_a_contract_path() -> None:
    lines = [line("1", "none", asset_id="O-1.10"), line("2", "update", asset_id="NOPE")]

    [problem] = check_lines_against_base(family_base(), ACCOUNT, lines)

    assert (problem.line_index, problem.line_id, problem.asset_id) == (1, "2", "NOPE")
    error = problem.to_error()
    assert (error.code, error.path) == ("line.asset_unknown", "items[1].asset_id")


def test_apply_refuses_the_whole_order_when_a_line_does_not_fit() -> None:
    lines = [line("1", "delete", asset_id="O-1.10"), line("2", "update", asset_id="NOPE")]

    with pytest.raises(OrderDoesNotFitAssets) as refused:
        apply_order(family_base(), "O-2", 1, lines, account_id=ACCOUNT)

    assert [p.code for p in refused.value.problems] == ["line.asset_unknown"]
    assert "line 2: line.asset_unknown" in str(refused.value)


def test_the_family_order_is_valid_as_a_canonical_order() -> None:
    order = Order(order_id="O-1", account_id=ACCOUNT, currency="EUR",
                  submitted_at="2025-03-01T09:30:00+01:00", items=telemedia_family_order())

    assert check_lines_against_base({}, ACCOUNT, order.items, order_id=order.order_id) == []
