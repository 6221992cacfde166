"""Time the pure asset domain on accounts of 10, 10,000, 50,000 and 100,000 assets.

Run: python bench/asset_domain.py [--sizes 10 10000 50000 100000] [--repeat 5] [--bare]
The 10-asset account shows the fixed cost; growth is judged from 10,000 to 100,000 assets
(issue 11: each operation under 1 s at 100,000 assets, and linear). Each account is family
plans of 1 plan + 3 phones + 2 options per phone (10 assets); a wanted state edits every
tenth plan (one roaming zone, one voicemail removed, one data option added, one phone
suspended). Times are the median of several runs. The operations run in a process that has
imported the hub worker's modules, as they do in the hub, because Python's cycle collector
walks every live object (``--bare`` leaves them out).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import math
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

from hub.assets import (
    AssetRecord,
    InstalledBase,
    OpenOrder,
    apply_order,
    compute_delta,
    future_state,
    to_trees,
)

ACCOUNT = "ACC-BENCH"
ASSETS_PER_PLAN = 10
OPEN_ORDERS = 5


def family_plans(assets: int) -> dict[str, AssetRecord]:
    """An account of family plans: plan, three phones, voicemail and roaming on each phone."""
    base: dict[str, AssetRecord] = {}
    for plan in range(max(1, assets // ASSETS_PER_PLAN)):
        root = f"F{plan}"
        base[root] = AssetRecord(root, ACCOUNT, None, "FAM-1500", "Family 1500",
                                 attributes={"minutes": 1500})
        for phone in range(3):
            phone_id = f"{root}-P{phone}"
            base[phone_id] = AssetRecord(phone_id, ACCOUNT, root, "PHONE", "Phone",
                                         attributes={"msisdn": f"+316{plan:07d}{phone}"})
            for option, attributes in (("VM", {}), ("RO", {"zone": "EU"})):
                option_id = f"{phone_id}-{option}"
                base[option_id] = AssetRecord(option_id, ACCOUNT, phone_id, option, option,
                                              attributes=attributes)
    return base


def wanted_state(base: InstalledBase, slice_: int = 0) -> dict[str, AssetRecord]:
    """Every tenth plan (from `slice_`) changed the way a customer would change it."""
    wanted = dict(base)
    for root in (i for i, r in base.items() if r.parent_asset_id is None):
        if int(root[1:]) % 10 != slice_ % 10:
            continue
        roaming = wanted[f"{root}-P0-RO"]
        wanted[roaming.asset_id] = replace(roaming, attributes={"zone": "WORLD"})
        del wanted[f"{root}-P1-VM"]
        wanted[f"{root}-P1"] = replace(wanted[f"{root}-P1"], status="suspended")
        data = f"{root}-P2-DATA{slice_}"
        wanted[data] = AssetRecord(data, ACCOUNT, f"{root}-P2", "DATA", "Data 5GB",
                                   attributes={"gb": 5})
    return wanted


def median_seconds(operation: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        gc.collect()  # each run starts without the previous run's garbage
        start = time.perf_counter()
        operation()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def measure(assets: int, repeat: int) -> dict[str, float]:
    """Median seconds of each operation on one account of about `assets` assets.

    Each operation runs with only its own inputs alive beside the account, as in the hub: the
    cycle collector's cost depends on how much else the process holds.
    """
    base = family_plans(assets)
    wanted = wanted_state(base)
    return {
        "compute_delta": median_seconds(lambda: compute_delta(base, wanted), repeat),
        "apply_order": _apply_seconds(base, wanted, repeat),
        f"future_state({OPEN_ORDERS})": _future_seconds(base, repeat),
        "to_trees": median_seconds(lambda: to_trees(base), repeat),
    }


def _apply_seconds(base: InstalledBase, wanted: InstalledBase, repeat: int) -> float:
    delta = compute_delta(base, wanted)  # freed when this returns
    return median_seconds(lambda: apply_order(base, "D-1", 1, delta, account_id=ACCOUNT), repeat)


def _future_seconds(base: InstalledBase, repeat: int) -> float:
    opens = [OpenOrder(f"O-{k}", 1, compute_delta(base, wanted_state(base, k)))
             for k in range(OPEN_ORDERS)]
    return median_seconds(lambda: future_state(base, opens, account_id=ACCOUNT), repeat)


def report(results: dict[int, dict[str, float]]) -> None:
    operations = list(next(iter(results.values())))
    print(f"Python {platform.python_version()} on {platform.machine()}; {len(gc.get_objects()):,}"
          " objects tracked by the collector besides the account; median seconds,"
          " then microseconds per asset")
    print(f"{'assets':>8} " + " ".join(f"{op:>24}" for op in operations))
    for size, times in results.items():
        cells = (f"{times[op]:9.4f}s {times[op] / size * 1e6:7.2f}us/a" for op in operations)
        print(f"{size:>8} " + " ".join(f"{cell:>24}" for cell in cells))
    sizes = sorted(results)
    # the 10-asset account is all fixed cost, so growth is judged from 10,000 assets (issue 11),
    # else from the second smallest size, to the largest
    small = 10_000 if 10_000 in sizes else sizes[min(1, len(sizes) - 1)]
    large = sizes[-1]
    if small == large:
        return
    print(f"\ngrowth from {small} to {large} assets: per-asset time ratio (1.0 = linear) and"
          " exponent k in time ~ n^k (1.0 linear, 2.0 quadratic):")
    for op in operations:
        ratio = (results[large][op] / large) / (results[small][op] / small)
        exponent = 1 + math.log(ratio) / math.log(large / small)
        verdict = "~linear" if exponent < 1.25 else "NOT linear"
        print(f"  {op:<18} x{ratio:4.2f}  k={exponent:4.2f}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 10_000, 50_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bare", action="store_true",
                        help="without the hub worker's modules in the process")
    args = parser.parse_args()
    if not args.bare:
        importlib.import_module("hub.bootstrap")  # what a running worker holds
    results = {size: measure(size, runs(size, args.repeat)) for size in args.sizes}
    report(results)


def runs(size: int, repeat: int) -> int:
    """More runs where a run is short, so the median resists a busy machine; at least 3."""
    if size <= 1_000:
        return repeat * 5
    return repeat if size < 100_000 else max(3, repeat // 2)


if __name__ == "__main__":
    main()
