"""What a supplemental order changed against the revision it supersedes, line by line."""

from typing import Any

from hub.canonical.changes import FieldChange, LineChange, RevisionChanges
from hub.canonical.orders import OrderItem

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
