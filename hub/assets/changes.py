"""What applying an order did to each asset, as billing needs to hear it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from hub.assets.model import AssetRecord

ChangeKind: TypeAlias = Literal["created", "updated", "terminated", "suspended", "resumed"]


@dataclass(frozen=True, slots=True)
class AssetChange:
    """One asset changed by one order line; `old` is None for a brand-new asset."""

    kind: ChangeKind
    asset_id: str
    line_id: str
    old: AssetRecord | None
    new: AssetRecord
