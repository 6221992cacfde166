"""A customer's installed base held flat, keyed by asset id, so the asset rules run in O(n)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from hashlib import sha256
from typing import NamedTuple, TypeAlias

from hub.assets.bulk import bulk
from hub.canonical.assets import Asset, AssetStatus, OrderLineRef

AttributeValue: TypeAlias = str | int | float | bool
_MAX_ID_LENGTH = 64


class Origin(NamedTuple):
    """The order line that last changed an asset."""

    order_id: str
    revision: int
    line_id: str


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """One installed product instance; its parent is named by id, never nested."""

    asset_id: str
    account_id: str
    parent_asset_id: str | None
    product_code: str
    product_name: str
    status: AssetStatus = "active"
    quantity: int = 1
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    from_order: Origin | None = None
    start_date: date | None = None
    end_date: date | None = None
    billing_account_id: str | None = None
    service_account_id: str | None = None

    @property
    def is_live(self) -> bool:
        """Whether the asset is still installed (active or suspended)."""
        return self.status != "terminated"


InstalledBase: TypeAlias = Mapping[str, AssetRecord]


class AssetRepeated(ValueError):
    """Raised when the same asset id appears twice in a set of trees."""

    code = "wanted.asset_repeated"

    def __init__(self, asset_id: str) -> None:
        super().__init__(f"asset {asset_id} appears more than once in the trees")
        self.asset_id = asset_id


def present_attributes(
    attributes: Mapping[str, AttributeValue | None],
) -> dict[str, AttributeValue]:
    """The attributes that carry a value: None means the attribute is absent."""
    return {name: value for name, value in attributes.items() if value is not None}


def same_value(a: AttributeValue | None, b: AttributeValue | None) -> bool:
    """Equality that tells True from 1 and 1 from 1.0, as JSON does."""
    return type(a) is type(b) and a == b


def changed_attribute_names(
    old: Mapping[str, AttributeValue], new: Mapping[str, AttributeValue]
) -> list[str]:
    """Names added, removed or given another value, sorted."""
    names = [name for name, value in old.items() if not same_value(value, new.get(name))]
    names.extend(name for name in new if name not in old)
    return sorted(names)


def new_asset_id(order_id: str, line_id: str) -> str:
    """The id an `add` line without an asset id gives its asset, the same on every replay."""
    readable = f"{order_id}.{line_id}"
    if len(readable) <= _MAX_ID_LENGTH:
        return readable
    return "A-" + sha256(f"{order_id}\n{line_id}".encode()).hexdigest()[:40]


def live_assets(base: InstalledBase) -> dict[str, AssetRecord]:
    """The assets still installed: active or suspended."""
    # `is_live` spelled out: a property call per asset costs more than the test itself
    return {asset_id: record for asset_id, record in base.items()
            if record.status != "terminated"}


def tree_order(parents: Mapping[str, str | None]) -> list[str]:
    """Ids parents first, roots and siblings sorted by id; a missing parent makes a root."""
    # one sort of all ids leaves every sibling list sorted, instead of a sort per parent
    children: dict[str | None, list[str]] = defaultdict(list)
    for asset_id in sorted(parents):
        parent = parents[asset_id]
        children[parent if parent in parents else None].append(asset_id)
    ordered: list[str] = []
    stack = children[None][::-1]
    while stack:
        asset_id = stack.pop()
        ordered.append(asset_id)
        kids = children.get(asset_id)
        if kids:
            stack.extend(reversed(kids))
    if len(ordered) != len(parents):
        raise ValueError("the assets' parent links form a cycle")
    return ordered


@bulk
def to_trees(base: InstalledBase, *, include_terminated: bool = False) -> list[Asset]:
    """The canonical trees, roots and children sorted by asset id."""
    shown = base if include_terminated else live_assets(base)
    kids: dict[str | None, list[Asset]] = defaultdict(list)
    for asset_id in reversed(tree_order({i: r.parent_asset_id for i, r in shown.items()})):
        record = shown[asset_id]
        children = kids.pop(asset_id, [])[::-1]
        parent = record.parent_asset_id if record.parent_asset_id in shown else None
        kids[parent].append(_to_asset(record, children))
    return kids[None][::-1]


@bulk
def from_trees(trees: Iterable[Asset]) -> dict[str, AssetRecord]:
    """The flat installed base of canonical trees; nesting decides each parent."""
    base: dict[str, AssetRecord] = {}
    stack: list[tuple[Asset, str | None]] = [(tree, None) for tree in reversed(list(trees))]
    while stack:
        asset, parent = stack.pop()
        if asset.asset_id in base:
            raise AssetRepeated(asset.asset_id)
        base[asset.asset_id] = _to_record(asset, parent)
        stack.extend((child, asset.asset_id) for child in reversed(asset.children))
    return base


def _to_asset(record: AssetRecord, children: list[Asset]) -> Asset:
    origin = record.from_order
    return Asset(
        asset_id=record.asset_id,
        account_id=record.account_id,
        parent_asset_id=record.parent_asset_id,
        product_code=record.product_code,
        product_name=record.product_name,
        status=record.status,
        quantity=record.quantity,
        attributes=dict(record.attributes),
        from_order=OrderLineRef(**origin._asdict()) if origin else None,
        start_date=record.start_date,
        end_date=record.end_date,
        billing_account_id=record.billing_account_id,
        service_account_id=record.service_account_id,
        children=children,
    )


def _to_record(asset: Asset, parent: str | None) -> AssetRecord:
    origin = asset.from_order
    return AssetRecord(
        asset_id=asset.asset_id,
        account_id=asset.account_id,
        parent_asset_id=parent,
        product_code=asset.product_code,
        product_name=asset.product_name,
        status=asset.status,
        quantity=asset.quantity,
        attributes=present_attributes(asset.attributes),
        from_order=Origin(origin.order_id, origin.revision, origin.line_id) if origin else None,
        start_date=asset.start_date,
        end_date=asset.end_date,
        billing_account_id=asset.billing_account_id,
        service_account_id=asset.service_account_id,
    )
