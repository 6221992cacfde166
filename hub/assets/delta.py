"""The order lines that turn a customer's current assets into a wanted configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from hub.assets.bulk import bulk
from hub.assets.model import (
    AssetRecord,
    AttributeValue,
    InstalledBase,
    changed_attribute_names,
    live_assets,
    same_value,
    tree_order,
)
from hub.canonical.orders import Action, OrderItem
from hub.errors import HubError

ASSET_MOVED = "wanted.asset_moved"
PARENT_NOT_WANTED = "wanted.parent_not_wanted"
_ORDER_ITEMS = TypeAdapter(list[OrderItem])
_ABSENT = object()  # no attribute value is ever this


@dataclass(frozen=True, slots=True)
class WantedProblem:
    """Why a wanted configuration cannot be reached by a delta order."""

    code: str
    asset_id: str
    message: str

    def to_error(self) -> HubError:
        """The problem as it travels in a rejected `asset.delta` reply."""
        return HubError(code=self.code, path=None, message=self.message)


class WantedStateRefused(ValueError):
    """Raised when `compute_delta` gets a wanted state that `check_wanted` refuses."""

    def __init__(self, problems: list[WantedProblem]) -> None:
        super().__init__("; ".join(f"{p.code}: {p.message}" for p in problems))
        self.problems = problems


def check_wanted(current: InstalledBase, wanted: InstalledBase) -> list[WantedProblem]:
    """Every reason the wanted state cannot be reached: a move, or a live child of no parent."""
    return _wanted_problems(current, live_assets(wanted))


@bulk
def compute_delta(current: InstalledBase, wanted: InstalledBase) -> list[OrderItem]:
    """Lines numbered 1, 2, ... parents first, whose parent_line_ids mirror the asset trees."""
    now, want = live_assets(current), live_assets(wanted)
    problems = _wanted_problems(current, want)
    if problems:
        raise WantedStateRefused(problems)
    parents = {i: r.parent_asset_id for i, r in now.items()}
    parents.update({i: r.parent_asset_id for i, r in want.items()})
    lines: list[dict[str, Any]] = []
    line_of: dict[str, str] = {}
    for asset_id in tree_order(parents):
        parent_line = line_of.get(parents[asset_id] or "")
        for action, record, changes in _actions(now.get(asset_id), want.get(asset_id)):
            line_id = str(len(lines) + 1)
            lines.append(_line(line_id, parent_line, action, record, changes))
            line_of.setdefault(asset_id, line_id)
    return _order_items(lines)


def _wanted_problems(current: InstalledBase, want: InstalledBase) -> list[WantedProblem]:
    """`check_wanted` given the live wanted assets, so that `compute_delta` sorts them out once."""
    problems: list[WantedProblem] = []
    for asset_id, asset in want.items():
        parent = asset.parent_asset_id
        if parent is not None and parent not in want:
            problems.append(WantedProblem(PARENT_NOT_WANTED, asset_id, (
                f"asset {asset_id} is wanted but its parent {parent} is not"
            )))
        now = current.get(asset_id)
        if now is not None and now.is_live and now.parent_asset_id != parent:
            problems.append(WantedProblem(ASSET_MOVED, asset_id, (
                f"asset {asset_id} cannot move from parent {now.parent_asset_id} to {parent};"
                " delete it and add a new one"
            )))
    return problems


# (action, the asset as the line describes it, extra OrderItem fields)
_Step = tuple[Action, AssetRecord, dict[str, Any]]


def _actions(old: AssetRecord | None, new: AssetRecord | None) -> list[_Step]:
    """What one asset needs: add, delete, or update and/or a status change, else none."""
    if new is None:
        assert old is not None
        return [("delete", old, {})]
    if old is None:
        accounts = {"billing_account_id": new.billing_account_id,
                    "service_account_id": new.service_account_id}
        return [("add", new, {"attributes": dict(new.attributes), **accounts}),
                *_status_step("active", new)]
    steps = [*_update_step(old, new), *_status_step(old.status, new)]
    return steps or [("none", new, {})]


def _update_step(old: AssetRecord, new: AssetRecord) -> list[_Step]:
    # most assets keep their attributes: settled without building the list of changed names
    names = ([] if _same_attributes(old.attributes, new.attributes)
             else changed_attribute_names(old.attributes, new.attributes))
    accounts = _account_changes(old, new)
    if not names and not accounts and _same_product(old, new):
        return []
    changes = {
        "attributes": {name: new.attributes.get(name) for name in names},
        "old_attributes": {name: old.attributes.get(name) for name in names},
        **accounts,
    }
    return [("update", new, changes)]


def _same_attributes(old: Mapping[str, AttributeValue], new: Mapping[str, AttributeValue]) -> bool:
    """The same names with the same values (True is not 1): no name is changed, cheaply.

    False may still mean no change (an attribute held as None is absent), which the caller
    then settles with `changed_attribute_names`.
    """
    return len(old) == len(new) and all(
        same_value(value, new.get(name, _ABSENT)) for name, value in old.items()
    )


def _same_product(old: AssetRecord, new: AssetRecord) -> bool:
    return (old.product_code, old.product_name, old.quantity) == (
        new.product_code, new.product_name, new.quantity
    )


def _account_changes(old: AssetRecord, new: AssetRecord) -> dict[str, str]:
    """The accounts the wanted asset names and the current one does not have (None = keep)."""
    changes: dict[str, str] = {}
    if new.billing_account_id is not None and new.billing_account_id != old.billing_account_id:
        changes["billing_account_id"] = new.billing_account_id
    if new.service_account_id is not None and new.service_account_id != old.service_account_id:
        changes["service_account_id"] = new.service_account_id
    return changes


def _status_step(old_status: str, new: AssetRecord) -> list[_Step]:
    if old_status == new.status:
        return []
    return [("suspend" if new.status == "suspended" else "resume", new, {})]


def _line(
    line_id: str, parent_line_id: str | None, action: Action, asset: AssetRecord,
    changes: dict[str, Any],
) -> dict[str, Any]:
    """The fields of one `OrderItem`: exactly those the line sets (`model_fields_set` reads them)."""
    return {
        "line_id": line_id,
        "parent_line_id": parent_line_id,
        "action": action,
        "product_code": asset.product_code,
        "product_name": asset.product_name,
        "trackable": True,
        "asset_id": asset.asset_id,
        "quantity": asset.quantity,
        **changes,
    }


def _order_items(lines: list[dict[str, Any]]) -> list[OrderItem]:
    """The lines validated as `OrderItem`s in one call, a third cheaper than one by one.

    Should a line not be valid (an asset stored with a bad value), the lines are built one by
    one so that the error is the one constructing that `OrderItem` gives.
    """
    try:
        return _ORDER_ITEMS.validate_python(lines)
    except ValidationError:
        return [OrderItem(**line) for line in lines]
