"""Supplemental orders as pure rules: which revision may follow an open order, and what it
changed against the revision it supersedes, line by line."""

from typing import Any, Protocol, TypeVar

from hub.canonical.changes import FieldChange, LineChange, RevisionChanges
from hub.canonical.orders import Order, OrderItem
from hub.errors import HubError, Rejected, error


class OrderHead(Protocol):
    """What the rules read of an order as it stands (the store's head row has it)."""

    account_id: str
    status: str
    current_revision: int
    pending_revision: int | None
    point_of_no_return: bool


H = TypeVar("H", bound=OrderHead)


_COMPARED = ("parent_line_id", "action", "product_code", "product_name", "trackable",
             "asset_id", "quantity", "billing_account_id", "service_account_id",
             "promised_date")


def revision_changes(before: list[OrderItem], after: list[OrderItem]) -> RevisionChanges:
    """Lines added, removed and changed (with each changed field's old and new value)."""
    old = {item.line_id: item for item in before}
    new = {item.line_id: item for item in after}
    changed = [
        LineChange(line_id=line_id, fields=fields)
        for line_id in new
        if line_id in old and (fields := _field_changes(old[line_id], new[line_id]))
    ]
    return RevisionChanges(
        added=[line_id for line_id in new if line_id not in old],
        removed=[line_id for line_id in old if line_id not in new],
        changed=changed,
    )


def _field_changes(old: OrderItem, new: OrderItem) -> list[FieldChange]:
    fields = [
        FieldChange(field=name, old=getattr(old, name), new=getattr(new, name))
        for name in _COMPARED
        if getattr(old, name) != getattr(new, name)
    ]
    fields += _mapping_changes("attributes", old.attributes, new.attributes)
    fields += _mapping_changes("price", _price(old), _price(new))
    return fields


def _price(item: OrderItem) -> dict[str, Any]:
    return {"one_time": str(item.price.one_time), "recurring": str(item.price.recurring)}


def _mapping_changes(prefix: str, old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    names = sorted(set(old) | set(new))
    return [
        FieldChange(field=f"{prefix}.{name}", old=old.get(name), new=new.get(name))
        for name in names
        if old.get(name) != new.get(name) or type(old.get(name)) is not type(new.get(name))
    ]


CLOSED = {"completed": "is complete", "partial": "is complete", "failed": "has failed",
          "cancelled": "is cancelled", "rejected": "was rejected"}


def check_revisable(head: H | None, order: Order) -> H:
    """Refuse a revision that is unknown, out of turn, too late, or for another account."""
    if head is None:
        raise Rejected(error("order.unknown", f"there is no order {order.order_id} to revise; "
                             "submit it as kind new first", "order_id"))
    latest = latest_revision(head)
    if order.revision != latest + 1:
        raise Rejected(error("order.revision_not_next",
                             f"order {order.order_id} is at revision {latest}; "
                             f"the next revision is {latest + 1}", "revision"))
    if head.account_id != order.account_id:
        raise Rejected(error("order.account_mismatch", f"order {order.order_id} belongs to "
                             f"account {head.account_id}", "account_id"))
    if head.status in CLOSED:
        raise Rejected(error("order.closed", f"order {order.order_id} {CLOSED[head.status]}; "
                             "changes now need a new (delta) order", "order_id"))
    if head.point_of_no_return:
        raise Rejected(past_point_of_no_return(order.order_id))
    return head


def latest_revision(head: OrderHead) -> int:
    """The newest revision stored: the one waiting for approval, else the one in force."""
    return max(head.current_revision, head.pending_revision or 0)


def past_point_of_no_return(order_id: str) -> HubError:
    return error("order.past_point_of_no_return",
                 f"order {order_id} has passed its point of no return; changes now need a "
                 "new (delta) order once it completes", "order_id")
