"""Pure order rules: well-formedness, line status, order status, revision changes."""

from dataclasses import dataclass

import pytest

from hub.canonical.orders import Order, OrderItem
from hub.errors import Rejected
from hub.orders.revisions import check_revisable, revision_changes
from hub.orders.rules import check_order
from hub.orders.status import advance, line_status, order_status, past_point_of_no_return
from tests.support.factories import a_line, an_order


def codes(order: dict) -> list[tuple[str, str | None]]:
    return [(e.code, e.path) for e in check_order(Order.model_validate(order))]


def test_a_well_formed_order_breaks_no_rule():
    assert codes(an_order("O-1", a_line("1"), a_line("2", parent_line_id="1"))) == []


def test_every_problem_is_reported_not_just_the_first():
    order = an_order("O-2", a_line("1"), a_line("1"), a_line("3", parent_line_id="X"),
                     a_line("4", action="delete"))
    assert codes(order) == [
        ("line.duplicate_id", "items[0].line_id"), ("line.duplicate_id", "items[1].line_id"),
        ("line.parent_unknown", "items[2].parent_line_id"),
        ("line.asset_id_missing", "items[3].asset_id"),
    ]


def test_a_line_that_is_its_own_ancestor_is_refused():
    order = an_order("O-3", a_line("1", parent_line_id="2"), a_line("2", parent_line_id="1"))
    assert {c for c, _ in codes(order)} == {"line.parent_cycle"}


@pytest.mark.parametrize("action", ["update", "delete", "suspend", "resume", "none"])
def test_every_action_but_add_needs_an_asset_id(action):
    assert codes(an_order("O-4", a_line("1", action=action))) == [
        ("line.asset_id_missing", "items[0].asset_id")]


def test_a_cancellation_may_have_no_items_but_a_new_order_may_not():
    assert codes(an_order("O-5", kind="cancel", revision=2, items=[])) == []
    assert codes(an_order("O-6", items=[])) == [("order.no_items", "items")]


def test_revision_numbers_match_the_kind():
    assert codes(an_order("O-7", revision=2)) == [("order.revision_invalid", "revision")]
    assert codes(an_order("O-8", kind="revision")) == [("order.revision_invalid", "revision")]


def test_a_line_priced_in_another_currency_is_refused():
    line = a_line("1", price={"one_time": "5", "currency": "USD"})
    assert codes(an_order("O-9", line)) == [("order.currency_mixed", "items[0].price.currency")]


@pytest.mark.parametrize(("current", "reported", "after"), [
    ("acknowledged", "in_progress", "in_progress"),
    ("in_progress", "point_of_no_return", "point_of_no_return"),
    ("point_of_no_return", "in_progress", "point_of_no_return"),
    ("completed", "failed", "completed"),
    ("failed", "completed", "failed"),
    ("in_progress", "in_progress", "in_progress"),
])
def test_a_line_only_moves_forward(current, reported, after):
    assert advance(current, reported) == after


@pytest.mark.parametrize(("lines", "status"), [
    (["acknowledged", "acknowledged"], "acknowledged"),
    (["acknowledged", "in_progress"], "in_progress"),
    (["completed", "point_of_no_return"], "in_progress"),
    (["completed", "completed"], "completed"),
    (["completed", "failed"], "partial"),
    (["failed", "failed"], "failed"),
])
def test_order_status_is_derived_from_its_lines(lines, status):
    assert order_status(lines) == status


def test_point_of_no_return_is_passed_once_any_line_reaches_it():
    assert not past_point_of_no_return(["acknowledged", "in_progress"])
    assert past_point_of_no_return(["in_progress", "point_of_no_return"])
    assert past_point_of_no_return(["completed"])


def item(line_id: str, **overrides) -> OrderItem:
    return OrderItem.model_validate(a_line(line_id, **overrides))


def test_revision_changes_list_added_removed_and_changed_fields():
    before = [item("1"), item("2", quantity=1), item("3")]
    after = [item("1"), item("2", quantity=2, attributes={"minutes": 3000}), item("4")]
    changes = revision_changes(before, after)
    assert (changes.added, changes.removed) == (["4"], ["3"])
    [changed] = changes.changed
    assert changed.line_id == "2"
    assert {(f.field, f.old, f.new) for f in changed.fields} == {
        ("quantity", 1, 2), ("attributes.minutes", 1500, 3000)}


def test_an_unchanged_revision_has_no_changes():
    lines = [item("1"), item("2")]
    changes = revision_changes(lines, lines)
    assert (changes.added, changes.removed, changes.changed) == ([], [], [])


def test_a_price_change_is_a_change_of_its_decimal_text():
    changes = revision_changes([item("1")], [item("1", price={"recurring": "24.99"})])
    assert [(f.field, f.old, f.new) for f in changes.changed[0].fields] == [
        ("price.recurring", "19.99", "24.99")]


BOTH = ("provisioning", "billing")


def test_a_line_completes_only_when_every_named_system_completed_it():
    assert line_status("in_progress", {"billing": "completed"}, BOTH) == "in_progress"
    assert line_status("in_progress", {"provisioning": "completed"}, BOTH) == "in_progress"
    assert line_status("in_progress", {"provisioning": "completed", "billing": "completed"},
                       BOTH) == "completed"


def test_a_line_fails_when_any_named_system_failed_it():
    assert line_status("in_progress", {"provisioning": "completed", "billing": "failed"},
                       BOTH) == "failed"


def test_a_line_is_past_its_point_of_no_return_when_any_system_says_so():
    assert line_status("acknowledged", {"billing": "point_of_no_return"},
                       BOTH) == "point_of_no_return"
    # and never goes back, though that system has since completed it alone
    assert line_status("point_of_no_return", {"billing": "completed"},
                       BOTH) == "point_of_no_return"


def test_a_system_that_is_not_named_does_not_count():
    assert line_status("acknowledged", {"billing": "completed"},
                       ("provisioning",)) == "acknowledged"
    assert line_status("acknowledged", {"provisioning": "completed"},
                       ("provisioning",)) == "completed"


@dataclass
class Head:
    """An order as it stands, as a plain object: the rule needs no store."""

    account_id: str = "ACC-1"
    status: str = "acknowledged"
    current_revision: int = 1
    pending_revision: int | None = None
    point_of_no_return: bool = False


def revision(number: int, **overrides) -> Order:
    return Order.model_validate(an_order("O-1", a_line("1"), kind="revision", revision=number,
                                         account_id="ACC-1", **overrides))


def refusal(head: Head | None, order: Order) -> str | None:
    try:
        check_revisable(head, order)
    except Rejected as refused:
        return refused.errors[0].code
    return None


@pytest.mark.parametrize("head, number, code", [
    (Head(), 2, None),
    (None, 2, "order.unknown"),
    (Head(), 3, "order.revision_not_next"),
    (Head(pending_revision=2), 2, "order.revision_not_next"),
    (Head(pending_revision=2), 3, None),
    (Head(account_id="ACC-2"), 2, "order.account_mismatch"),
    (Head(status="completed"), 2, "order.closed"),
    (Head(status="cancelled"), 2, "order.closed"),
    (Head(point_of_no_return=True), 2, "order.past_point_of_no_return"),
], ids=["next", "unknown", "skips one", "after a held one", "after the held one",
        "other account", "completed", "cancelled", "past the point of no return"])
def test_which_revision_may_follow_an_open_order(head, number, code):
    assert refusal(head, revision(number)) == code
