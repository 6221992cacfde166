"""Why an order line does not fit an installed base, as values with stable codes."""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import HubError

ASSET_ID_MISSING = "line.asset_id_missing"
ASSET_UNKNOWN = "line.asset_unknown"
ASSET_TERMINATED = "line.asset_terminated"
ASSET_ID_TAKEN = "line.asset_id_taken"
ASSET_NOT_ACTIVE = "line.asset_not_active"
ASSET_NOT_SUSPENDED = "line.asset_not_suspended"
PARENT_TERMINATED = "line.parent_terminated"
PARENT_UNRESOLVED = "line.parent_unresolved"

_PARENT_CODES = frozenset({PARENT_TERMINATED, PARENT_UNRESOLVED})


@dataclass(frozen=True, slots=True)
class LineProblem:
    """One order line that cannot be applied, and why."""

    code: str
    line_index: int
    line_id: str
    asset_id: str | None
    message: str

    @property
    def path(self) -> str:
        """Where the problem sits in the order, as the contract's JSON path."""
        field = "parent_line_id" if self.code in _PARENT_CODES else "asset_id"
        return f"items[{self.line_index}].{field}"

    def to_error(self) -> HubError:
        """The problem as it travels in a rejected reply."""
        return HubError(code=self.code, path=self.path, message=self.message)
