"""What applying an order did to each asset, as billing needs to hear it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from hub.assets.model import AssetRecord, AttributeValue, changed_attribute_names

ChangeKind: TypeAlias = Literal["created", "updated", "terminated", "suspended", "resumed"]


@dataclass(frozen=True, slots=True)
class AssetChange:
    """One asset changed by one order line; `old` is None for a brand-new asset."""

    kind: ChangeKind
    asset_id: str
    line_id: str
    old: AssetRecord | None
    new: AssetRecord

    def changed_attributes(
        self,
    ) -> tuple[dict[str, AttributeValue | None], dict[str, AttributeValue | None]]:
        """The attributes this change set (None = removed) and their values before it."""
        before = self.old.attributes if self.old is not None and self.kind != "created" else {}
        names = changed_attribute_names(before, self.new.attributes)
        return (
            {name: self.new.attributes.get(name) for name in names},
            {name: before.get(name) for name in names},
        )
