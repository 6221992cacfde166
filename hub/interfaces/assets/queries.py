"""Asset ASIs: what an account has now or will have, and the delta to a wanted state."""

from hub.assets import AssetRepeated, WantedStateRefused, compute_delta, from_trees, to_trees
from hub.canonical.assets import AssetQuery, AssetQueryResult, DeltaRequest, DeltaResult
from hub.canonical.replies import Reply
from hub.errors import HubError, error
from hub.interfaces.exactly_once import rejection
from hub.interfaces.orders.installed_base import future_base
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork


async def query_assets(query: AssetQuery, request: Request, uow: UnitOfWork) -> Reply:
    """The account's asset trees, now, as recorded at ``as_of``, or with every open order
    applied (with conflicts)."""
    if query.as_of is not None:
        return await _query_as_of(query, request, uow)
    async with uow:
        current, future = await future_base(uow, query.account_id)
    base, conflicts = (current, []) if query.view == "current" else (future.base,
                                                                     future.conflicts)
    result = AssetQueryResult(account_id=query.account_id, view=query.view,
                              assets=to_trees(base), conflicts=conflicts)
    return _ok(request, result.model_dump(mode="json"))


async def _query_as_of(query: AssetQuery, request: Request, uow: UnitOfWork) -> Reply:
    if query.view == "future":
        return rejection(request, [error(
            "asset.as_of_future_view", "as_of answers the installed base as recorded at an "
            "instant; ask for view current with as_of, or view future without it", "as_of")])
    async with uow:
        base = await uow.assets.installed_base_as_of(query.account_id, query.as_of)
    result = AssetQueryResult(account_id=query.account_id, view=query.view,
                              assets=to_trees(base))
    return _ok(request, result.model_dump(mode="json"))


async def delta_to_wanted(delta: DeltaRequest, request: Request, uow: UnitOfWork) -> Reply:
    """Order lines that take the account's assets (now, or once its open orders are done) to
    the wanted trees."""
    if problems := _foreign_assets(delta):
        return rejection(request, problems)
    try:
        wanted = from_trees(delta.wanted)
        async with uow:
            current, future = await future_base(uow, delta.account_id)
        items = compute_delta(current if delta.base == "current" else future.base, wanted)
    except AssetRepeated as exc:
        return rejection(request, [error(exc.code, str(exc), "wanted")])
    except WantedStateRefused as exc:
        return rejection(request, [p.to_error() for p in exc.problems])
    result = DeltaResult(account_id=delta.account_id, items=items)
    return _ok(request, result.model_dump(mode="json"))


def _foreign_assets(delta: DeltaRequest) -> list[HubError]:
    found, stack = [], [(f"wanted[{n}]", a) for n, a in enumerate(delta.wanted)]
    while stack:
        path, asset = stack.pop()
        if asset.account_id != delta.account_id:
            found.append(error("wanted.account_mismatch", f"asset {asset.asset_id} belongs to "
                               f"account {asset.account_id}, not {delta.account_id}",
                               f"{path}.account_id"))
        stack += [(f"{path}.children[{n}]", c) for n, c in enumerate(asset.children)]
    return found


def _ok(request: Request, result: dict) -> Reply:
    return Reply(status="ok", operation=request.operation, request_id=request.message_id,
                 result=result)
