"""An account's assets as they stand now and as they will once its open orders are done."""

from hub.assets import AssetRecord, FutureState, OpenOrder, check_lines_against_base, future_state
from hub.assets.problems import LineProblem
from hub.canonical.orders import Order
from hub.errors import HubError, error
from hub.orders.status import OPEN_ORDER
from hub.store.unit_of_work import UnitOfWork


async def open_orders(uow: UnitOfWork, account_id: str, *, leaving_out: str | None = None
                      ) -> list[OpenOrder]:
    """The account's open orders in submission order, each with its lines still to come."""
    found = []
    for head in await uow.orders.open_heads(account_id):
        if head.order_id == leaving_out or head.status not in OPEN_ORDER:
            continue
        row = await uow.orders.revision(head.order_id, head.current_revision)
        assert row is not None, "an order head always has its current revision"
        lines = await uow.orders.lines(head.order_id, head.current_revision)
        pending = frozenset(line.line_id for line in lines if line.status != "failed")
        found.append(OpenOrder(head.order_id, head.current_revision,
                               Order.model_validate(row.document).items, pending))
    return found


async def future_base(uow: UnitOfWork, account_id: str, *, leaving_out: str | None = None
                      ) -> tuple[dict[str, AssetRecord], FutureState]:
    """The current installed base and the future state built on it."""
    current = await uow.assets.installed_base(account_id)
    orders = await open_orders(uow, account_id, leaving_out=leaving_out)
    return current, future_state(current, orders, account_id=account_id)


async def check_order_against_assets(uow: UnitOfWork, order: Order) -> list[HubError]:
    """Lines that change assets must name live assets of the account, in the future state."""
    if not any(item.asset_id for item in order.items):
        return []
    current, future = await future_base(uow, order.account_id, leaving_out=order.order_id)
    problems = check_lines_against_base(future.base, order.account_id, order.items,
                                        order_id=order.order_id)
    return [_explain(problem, current) for problem in problems]


def _explain(problem: LineProblem, current: dict[str, AssetRecord]) -> HubError:
    """An asset alive today but terminated by an open order is a pending disconnection."""
    alive_now = problem.asset_id in current and current[problem.asset_id].is_live
    if problem.code == "line.asset_terminated" and alive_now:
        return error("line.asset_pending_disconnect",
                     "a request has already been made to disconnect this service item "
                     f"({problem.asset_id}); it cannot be changed by another order",
                     problem.path)
    return problem.to_error()
