"""Steps the areas' tests share: calling the use cases as the routes do, without the broker."""

from decimal import Decimal
from typing import Any

from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.orders import Approval, Order, OrderRef
from hub.canonical.replies import Reply
from hub.interfaces.fulfilment.status import report_fulfilment
from hub.interfaces.orders.approval import approve_order
from hub.interfaces.orders.submission import OrderPolicy, get_order, submit_order
from tests.support.memory_store import Store

THRESHOLD = Decimal(10000)
POLICY = OrderPolicy(approval_threshold=THRESHOLD)
# most scenarios play provisioning alone, as the integration tests' hub does
PROVISIONING = ("provisioning",)


def line_ids(order: dict[str, Any]) -> list[str]:
    return [item["line_id"] for item in order["items"]]


def errors(reply: Reply) -> list[tuple[str, str | None]]:
    """The reply's refusals as (code, path), each with a sentence for a person."""
    assert reply.status == "rejected", reply
    assert all(e.message for e in reply.errors)
    return [(e.code, e.path) for e in reply.errors]


async def submit(store: Store, order: dict[str, Any], message_id: str | None = None,
                 policy: OrderPolicy = POLICY) -> Reply:
    return await submit_order(Order.model_validate(order),
                              store.request("order.submit", message_id), store.new_uow(),
                              policy)


async def decide(store: Store, order_id: str, revision: int, decision: str = "approve",
                 reason: str | None = None, message_id: str | None = None) -> Reply:
    approval = Approval(order_id=order_id, revision=revision, decision=decision,
                        approver="sam.supervisor", reason=reason)  # type: ignore[arg-type]
    return await approve_order(approval, store.request("order.approve", message_id),
                               store.new_uow())


async def report(store: Store, order_id: str, revision: int, lines: list[str], status: str,
                 system: str = "provisioning", systems: tuple[str, ...] = PROVISIONING,
                 message_id: str | None = None, **per_line: Any) -> Reply:
    update = FulfilmentUpdate.model_validate({
        "order_id": order_id, "revision": revision, "system": system,
        "lines": [{"line_id": line_id, "status": status, **per_line} for line_id in lines]})
    return await report_fulfilment(update, store.request("fulfilment.status", message_id),
                                   store.new_uow(), systems)


async def view(store: Store, order_id: str) -> dict[str, Any]:
    """``order.get`` as the front office reads the order back."""
    reply = await get_order(OrderRef(order_id=order_id), store.request("order.get"),
                            store.new_uow())
    assert reply.status == "ok", reply
    assert reply.result is not None
    return reply.result


async def unknown_order(store: Store, order_id: str) -> bool:
    reply = await get_order(OrderRef(order_id=order_id), store.request("order.get"),
                            store.new_uow())
    return errors(reply) == [("order.unknown", "order_id")]
