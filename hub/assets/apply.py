"""Applying a fulfilled order to a customer's installed base, refusing lines that do not fit."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from hub.assets.changes import AssetChange
from hub.assets.model import InstalledBase
from hub.assets.problems import LineProblem
from hub.assets.replay import replay_order
from hub.canonical.orders import OrderItem

# parentheses are not allowed in an asset id, so generated ids of an unnamed order match nothing
UNSUBMITTED = "(unsubmitted)"


@dataclass(frozen=True, slots=True)
class AppliedOrder:
    """The installed base after the order, and each asset change for billing."""

    base: InstalledBase
    changes: list[AssetChange]


class OrderDoesNotFitAssets(Exception):
    """Raised when `apply_order` gets lines that `check_lines_against_base` refuses."""

    def __init__(self, problems: Sequence[LineProblem]) -> None:
        super().__init__(
            "; ".join(f"line {p.line_id}: {p.code}: {p.message}" for p in problems)
        )
        self.problems = list(problems)


def check_lines_against_base(
    base: InstalledBase,
    account_id: str,
    lines: Sequence[OrderItem],
    *,
    order_id: str = UNSUBMITTED,
) -> list[LineProblem]:
    """Every reason the lines, taken in order, cannot be applied to this account's assets."""
    return replay_order(base, account_id, order_id, 1, lines).problems


def apply_order(
    base: InstalledBase,
    order_id: str,
    revision: int,
    lines: Sequence[OrderItem],
    *,
    account_id: str,
    apply_only: Collection[str] | None = None,
) -> AppliedOrder:
    """Apply the order's trackable lines (only those in `apply_only` if given), all or none.

    `lines` is the whole order even when `apply_only` names the fulfilled part, so that a
    line can still find its parent line's asset.
    """
    replay = replay_order(base, account_id, order_id, revision, lines, apply_only)
    if replay.problems:
        raise OrderDoesNotFitAssets(replay.problems)
    return AppliedOrder(replay.base, replay.changes)
