"""What a customer will have once every open order is provisioned, with the conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.assets import problems as line_code
from hub.assets.bulk import bulk
from hub.assets.model import InstalledBase, Origin
from hub.assets.problems import LineProblem
from hub.assets.replay import children_index, replay_order
from hub.canonical.assets import Conflict
from hub.canonical.orders import OrderItem

ASSET_DELETED_BY_EARLIER_ORDER = "conflict.asset_deleted_by_earlier_order"
PARENT_TERMINATED = "conflict.parent_terminated"
ASSET_UNKNOWN = "conflict.asset_unknown"


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """The latest revision of an order not yet provisioned; `pending_line_ids` None = all."""

    order_id: str
    revision: int
    lines: Sequence[OrderItem]
    pending_line_ids: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class FutureState:
    """The installed base with the open orders applied, and the lines that could not be."""

    base: InstalledBase
    conflicts: list[Conflict]


@bulk
def future_state(
    base: InstalledBase, open_orders: Sequence[OpenOrder], *, account_id: str
) -> FutureState:
    """Apply the open orders in submission order; a line that does not fit becomes a conflict."""
    state: InstalledBase = base
    conflicts: list[Conflict] = []
    earlier: set[str] = set()
    # one index of children for every order: each replay adds what it creates
    children = children_index(base) if open_orders else None
    for order in open_orders:
        replay = replay_order(
            state, account_id, order.order_id, order.revision, order.lines,
            order.pending_line_ids, children=children,
        )
        conflicts.extend(_conflict(problem, order, state, earlier) for problem in replay.problems)
        state = replay.base
        earlier.add(order.order_id)
    return FutureState(state, conflicts)


def _conflict(
    problem: LineProblem, order: OpenOrder, before: InstalledBase, earlier: set[str]
) -> Conflict:
    """The problem in conflict terms, naming the earlier open order that caused it."""
    code, message = "conflict." + problem.code.removeprefix("line."), problem.message
    by = _earlier_deletion(problem, before, earlier)
    if by is not None:
        code = ASSET_DELETED_BY_EARLIER_ORDER
        message = (
            f"asset {problem.asset_id} is deleted by the earlier open order {by.order_id}"
            f" (line {by.line_id})"
        )
    return Conflict(
        code=code, asset_id=problem.asset_id, order_id=order.order_id,
        line_id=problem.line_id, message=message,
    )


def _earlier_deletion(
    problem: LineProblem, before: InstalledBase, earlier: set[str]
) -> Origin | None:
    """The line of an earlier open order that terminated the asset this problem is about."""
    if problem.code != line_code.ASSET_TERMINATED or problem.asset_id is None:
        return None
    asset = before.get(problem.asset_id)
    by = asset.from_order if asset is not None else None
    return by if by is not None and by.order_id in earlier else None
