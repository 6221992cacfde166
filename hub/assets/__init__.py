"""The pure asset domain: apply orders to an installed base, compute deltas, see the future."""

from hub.assets.apply import (
    AppliedOrder,
    OrderDoesNotFitAssets,
    apply_order,
    check_lines_against_base,
)
from hub.assets.changes import AssetChange, ChangeKind
from hub.assets.delta import WantedProblem, WantedStateRefused, check_wanted, compute_delta
from hub.assets.future import FutureState, OpenOrder, future_state
from hub.assets.history import AssetVersion, base_as_of
from hub.assets.model import (
    AssetRecord,
    AssetRepeated,
    InstalledBase,
    Origin,
    from_trees,
    live_assets,
    new_asset_id,
    to_trees,
)
from hub.assets.problems import LineProblem

__all__ = [
    "AppliedOrder",
    "AssetChange",
    "AssetRecord",
    "AssetRepeated",
    "AssetVersion",
    "ChangeKind",
    "FutureState",
    "InstalledBase",
    "LineProblem",
    "OpenOrder",
    "OrderDoesNotFitAssets",
    "Origin",
    "WantedProblem",
    "WantedStateRefused",
    "apply_order",
    "base_as_of",
    "check_lines_against_base",
    "check_wanted",
    "compute_delta",
    "from_trees",
    "future_state",
    "live_assets",
    "new_asset_id",
    "to_trees",
]
