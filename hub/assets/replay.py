"""Order lines replayed one by one over an installed base, skipping and reporting misfits.

Both the strict apply and the lenient future state are this replay: the first refuses an
order with problems, the second reports them as conflicts and carries on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date

from hub.assets import problems as code
from hub.assets.bulk import bulk
from hub.assets.changes import AssetChange, ChangeKind
from hub.assets.model import (
    AssetRecord,
    InstalledBase,
    Origin,
    changed_attribute_names,
    new_asset_id,
    present_attributes,
)
from hub.assets.problems import LineProblem
from hub.canonical.assets import AssetStatus
from hub.canonical.orders import OrderItem

# (code, asset id, sentence) before it is pinned to a line
_Misfit = tuple[str, str | None, str]
ChildIndex = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Replay:
    """The installed base after the lines that fit, what changed, and what did not fit."""

    base: dict[str, AssetRecord]
    changes: list[AssetChange]
    problems: list[LineProblem]


@bulk
def replay_order(
    base: InstalledBase,
    account_id: str,
    order_id: str,
    revision: int,
    lines: Sequence[OrderItem],
    apply_only: Collection[str] | None = None,
    on: date | None = None,
    children: ChildIndex | None = None,
) -> Replay:
    """Apply each trackable line in turn (only `apply_only` ones if given), skipping misfits.

    `on` is the day the lines were fulfilled: a new asset starts then, a deleted one ends then.
    `children` is `children_index(base)` when the caller replays several orders in a row
    (`future_state`): the replay keeps it up to date, so it is built once, not per order.
    """
    replayer = _Replayer(base, account_id, (order_id, revision), lines, on, children)
    assets = replayer.assets
    for index, line in enumerate(lines):
        if not line.trackable or (apply_only is not None and line.line_id not in apply_only):
            continue
        if line.action == "none":
            # most lines of a delta: one on a live asset of the account fits and changes
            # nothing; any other goes through `replay`, which reports why it does not fit
            record = assets.get(line.asset_id) if line.asset_id is not None else None
            if (record is not None and record.account_id == account_id
                    and record.status != "terminated"):
                continue
        replayer.replay(index, line)
    return Replay(assets, replayer.changes, replayer.problems)


def children_index(base: InstalledBase) -> ChildIndex:
    """Asset ids by parent id. An entry may go stale (an id re-added under another parent):
    readers check the child's parent again."""
    children: ChildIndex = defaultdict(list)
    for asset_id, record in base.items():
        if record.parent_asset_id is not None:
            children[record.parent_asset_id].append(asset_id)
    return children


class _Replayer:
    """The working state of one order's replay."""

    def __init__(
        self,
        base: InstalledBase,
        account_id: str,
        order: tuple[str, int],
        lines: Sequence[OrderItem],
        on: date | None = None,
        children: ChildIndex | None = None,
    ) -> None:
        self.assets = dict(base)
        self.on = on
        self.account_id = account_id
        self.order = order
        self._lines = lines
        self._lines_by_id: dict[str, OrderItem] | None = None
        self.changes: list[AssetChange] = []
        self.problems: list[LineProblem] = []
        self.failed: set[str] = set()
        self.deleted: set[str] = set()
        # built on the first delete unless the caller gave one; `_add` keeps it up to date
        self._children = children

    def replay(self, index: int, line: OrderItem) -> None:
        """Apply one line, or record why it does not fit and leave everything as it was."""
        misfit = self._add_misfit(line) if line.action == "add" else self._target_misfit(line)
        if misfit is None:
            _APPLY[line.action](self, line)
            return
        self.failed.add(line.line_id)
        self.problems.append(LineProblem(misfit[0], index, line.line_id, *misfit[1:]))

    # --- checks -------------------------------------------------------------------------

    def _target_misfit(self, line: OrderItem) -> _Misfit | None:
        asset_id = line.asset_id
        if asset_id is None:
            return code.ASSET_ID_MISSING, None, f"a '{line.action}' line must name its asset_id"
        record = self.assets.get(asset_id)
        if record is None or record.account_id != self.account_id:
            return code.ASSET_UNKNOWN, asset_id, (
                f"asset {asset_id} does not belong to account {self.account_id}"
            )
        if not record.is_live:
            if line.action == "delete" and asset_id in self.deleted:
                return None  # already terminated with its parent by this order
            return code.ASSET_TERMINATED, asset_id, _terminated(record)
        return _status_misfit(line.action, record)

    def _add_misfit(self, line: OrderItem) -> _Misfit | None:
        asset_id = self._new_id(line)
        taken = self.assets.get(asset_id)
        if taken is not None and (taken.is_live or taken.account_id != self.account_id):
            return code.ASSET_ID_TAKEN, asset_id, f"asset id {asset_id} is already in use"
        return self._parent(line, asset_id)[1]

    def _parent(self, line: OrderItem, asset_id: str) -> tuple[str | None, _Misfit | None]:
        """The asset an `add` line goes under, by the line named in parent_line_id."""
        parent_line = self._line(line.parent_line_id) if line.parent_line_id else None
        if parent_line is None or not parent_line.trackable:
            return None, None
        if parent_line.action == "delete":
            message = f"line {parent_line.line_id} of this order deletes the parent"
            return None, (code.PARENT_TERMINATED, asset_id, message)
        parent_id = self._asset_id_of(parent_line)
        parent = self.assets.get(parent_id) if parent_id else None
        if parent is not None and parent.account_id == self.account_id and not parent.is_live:
            return None, (code.PARENT_TERMINATED, asset_id, "the parent " + _terminated(parent))
        if parent is None or parent_line.line_id in self.failed or (
            parent.account_id != self.account_id
        ):
            message = f"parent line {parent_line.line_id} was not applied before this line"
            return None, (code.PARENT_UNRESOLVED, asset_id, message)
        return parent_id, None

    def _line(self, line_id: str) -> OrderItem | None:
        """The order's line of that id; indexed on first use, as only `add` lines ask."""
        if self._lines_by_id is None:
            self._lines_by_id = {line.line_id: line for line in self._lines}
        return self._lines_by_id.get(line_id)

    def _asset_id_of(self, line: OrderItem) -> str | None:
        return self._new_id(line) if line.action == "add" else line.asset_id

    def _new_id(self, line: OrderItem) -> str:
        return line.asset_id or new_asset_id(self.order[0], line.line_id)

    # --- effects ------------------------------------------------------------------------

    def _add(self, line: OrderItem) -> None:
        asset_id = self._new_id(line)
        parent_id = self._parent(line, asset_id)[0]
        record = AssetRecord(
            asset_id, self.account_id, parent_id, line.product_code, line.product_name,
            "active", line.quantity, present_attributes(line.attributes), self._origin(line),
            start_date=self.on,
            billing_account_id=line.billing_account_id or self.account_id,
            service_account_id=line.service_account_id or self.account_id,
        )
        self._record("created", line, self.assets.get(asset_id), record)
        if self._children is not None and parent_id is not None:
            self._children[parent_id].append(asset_id)

    def _update(self, line: OrderItem) -> None:
        old = self.assets[line.asset_id or ""]
        quantity = line.quantity if "quantity" in line.model_fields_set else old.quantity
        attributes = present_attributes({**old.attributes, **line.attributes})
        new = replace(
            old, product_code=line.product_code, product_name=line.product_name,
            quantity=quantity, attributes=attributes, from_order=self._origin(line),
            billing_account_id=line.billing_account_id or old.billing_account_id,
            service_account_id=line.service_account_id or old.service_account_id,
        )
        if _same_content(old, new):
            return
        self._record("updated", line, old, new)

    def _delete(self, line: OrderItem) -> None:
        for asset_id in self._subtree(line.asset_id or ""):
            old = self.assets[asset_id]
            if old.is_live:
                new = replace(old, status="terminated", from_order=self._origin(line),
                              end_date=self.on)
                self._record("terminated", line, old, new)
                self.deleted.add(asset_id)

    def _suspend(self, line: OrderItem) -> None:
        self._set_status(line, "suspended", "suspended")

    def _resume(self, line: OrderItem) -> None:
        self._set_status(line, "active", "resumed")

    def _leave(self, line: OrderItem) -> None:
        """A `none` line changes nothing; it is there for context and as a parent."""

    def _set_status(self, line: OrderItem, status: AssetStatus, kind: ChangeKind) -> None:
        old = self.assets[line.asset_id or ""]
        self._record(kind, line, old, replace(old, status=status, from_order=self._origin(line)))

    def _record(
        self, kind: ChangeKind, line: OrderItem, old: AssetRecord | None, new: AssetRecord
    ) -> None:
        self.assets[new.asset_id] = new
        self.changes.append(AssetChange(kind, new.asset_id, line.line_id, old, new))

    def _origin(self, line: OrderItem) -> Origin:
        return Origin(*self.order, line.line_id)

    def _subtree(self, root: str) -> list[str]:
        """The asset and all its descendants, parents first, siblings by id."""
        children = self._children_index()
        found, stack = [], [root]
        while stack:
            asset_id = stack.pop()
            found.append(asset_id)
            # an index entry goes stale when a terminated id is re-added under another parent
            kids = (c for c in children.get(asset_id, ()) if _child_of(self.assets[c], asset_id))
            stack.extend(sorted(set(kids), reverse=True))
        return found

    def _children_index(self) -> ChildIndex:
        if self._children is None:
            self._children = children_index(self.assets)
        return self._children


_APPLY: dict[str, Callable[[_Replayer, OrderItem], None]] = {
    "add": _Replayer._add,
    "update": _Replayer._update,
    "delete": _Replayer._delete,
    "suspend": _Replayer._suspend,
    "resume": _Replayer._resume,
    "none": _Replayer._leave,
}


def _status_misfit(action: str, record: AssetRecord) -> _Misfit | None:
    if action == "suspend" and record.status != "active":
        return code.ASSET_NOT_ACTIVE, record.asset_id, (
            f"asset {record.asset_id} is {record.status}, only an active asset can be suspended"
        )
    if action == "resume" and record.status != "suspended":
        return code.ASSET_NOT_SUSPENDED, record.asset_id, (
            f"asset {record.asset_id} is {record.status}, only a suspended asset can be resumed"
        )
    return None


def _terminated(record: AssetRecord) -> str:
    by = record.from_order
    where = f" by order {by.order_id} line {by.line_id}" if by else ""
    return f"asset {record.asset_id} is terminated{where}"


def _same_content(old: AssetRecord, new: AssetRecord) -> bool:
    return (
        (old.product_code, old.product_name, old.quantity, old.billing_account_id,
         old.service_account_id)
        == (new.product_code, new.product_name, new.quantity, new.billing_account_id,
            new.service_account_id)
        and not changed_attribute_names(old.attributes, new.attributes)
    )


def _child_of(record: AssetRecord, parent_id: str) -> bool:
    return record.parent_asset_id == parent_id
