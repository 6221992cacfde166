"""What makes an order well-formed beyond its field types; every problem gets a code and path."""

from collections import Counter

from hub.canonical.orders import Order, OrderItem
from hub.errors import HubError, error

NEEDS_ASSET = frozenset({"update", "delete", "suspend", "resume", "none"})


def check_order(order: Order) -> list[HubError]:
    """Every rule the order breaks, in document order; empty when it is well-formed."""
    problems = _check_kind(order)
    if not order.items and order.kind != "cancel":
        problems.append(error("order.no_items", "an order needs at least one item", "items"))
    problems += _check_line_ids(order.items)
    problems += _check_parents(order.items)
    problems += _check_assets(order.items)
    problems += _check_currency(order)
    problems += _check_activities(order)
    return problems


def _check_kind(order: Order) -> list[HubError]:
    if order.kind == "new" and order.revision != 1:
        return [error("order.revision_invalid", "a new order is revision 1", "revision")]
    if order.kind == "revision" and order.revision < 2:
        return [error("order.revision_invalid", "a revision is numbered 2 or more", "revision")]
    return []


def _check_line_ids(items: list[OrderItem]) -> list[HubError]:
    seen = Counter(i.line_id for i in items)
    return [
        error("line.duplicate_id", f"line id {i.line_id} appears {seen[i.line_id]} times",
              f"items[{n}].line_id")
        for n, i in enumerate(items)
        if seen[i.line_id] > 1
    ]


def _check_parents(items: list[OrderItem]) -> list[HubError]:
    parent_of = {i.line_id: i.parent_line_id for i in items}
    problems = []
    for n, item in enumerate(items):
        path = f"items[{n}].parent_line_id"
        if item.parent_line_id is None:
            continue
        if item.parent_line_id not in parent_of:
            problems.append(error(
                "line.parent_unknown",
                f"line {item.line_id} names parent line {item.parent_line_id}, "
                "which is not in this order", path))
        elif _in_cycle(item.line_id, parent_of):
            problems.append(error(
                "line.parent_cycle", f"line {item.line_id} is its own ancestor", path))
    return problems


def _in_cycle(line_id: str, parent_of: dict[str, str | None]) -> bool:
    seen = {line_id}
    current = parent_of.get(line_id)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


def _check_assets(items: list[OrderItem]) -> list[HubError]:
    return [
        error("line.asset_id_missing",
              f"a line with action {i.action} must name the asset it changes (asset_id)",
              f"items[{n}].asset_id")
        for n, i in enumerate(items)
        if i.action in NEEDS_ASSET and i.asset_id is None
    ]


def _check_currency(order: Order) -> list[HubError]:
    return [
        error("order.currency_mixed",
              f"line {i.line_id} is priced in {i.price.currency} but the order is in "
              f"{order.currency}; one order has one currency",
              f"items[{n}].price.currency")
        for n, i in enumerate(order.items)
        if i.price.currency is not None and i.price.currency != order.currency
    ]


def _check_activities(order: Order) -> list[HubError]:
    if order.kind == "cancel":
        return []  # a cancellation lists no lines; the activities it repeats go with the order
    lines = {i.line_id for i in order.items}
    seen = Counter(a.activity_id for a in order.activities)
    problems = []
    for n, activity in enumerate(order.activities):
        if seen[activity.activity_id] > 1:
            problems.append(error(
                "activity.duplicate_id",
                f"activity id {activity.activity_id} appears {seen[activity.activity_id]} times",
                f"activities[{n}].activity_id"))
        if activity.line_id is not None and activity.line_id not in lines:
            problems.append(error(
                "activity.line_unknown",
                f"activity {activity.activity_id} names line {activity.line_id}, "
                "which is not in this order", f"activities[{n}].line_id"))
    return problems
