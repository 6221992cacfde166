"""Which partners hear of an event on their ``partner.events`` queue.

An order event reaches the approved partners serving the order's account; a partner's
refused new order reaches only that partner; an alert reaches the partners it lists.
"""

from typing import Any

from hub.store.unit_of_work import UnitOfWork

ORDER_EVENTS = ("order.accepted", "order.rejected", "order.status_changed", "order.completed",
                "order.shipped")
PARTNER_EVENTS = (*ORDER_EVENTS, "partner.alert")


async def event_recipients(uow: UnitOfWork, name: str, data: dict[str, Any]) -> list[str]:
    """The partner ids that receive event ``name`` with ``data``."""
    if name == "partner.alert":
        return list(data.get("partner_ids") or [])
    if name not in ORDER_EVENTS or not (order_id := data.get("order_id")):
        return []
    async with uow:
        if name == "order.accepted" and data.get("account_id"):
            # an accepted revision is of its order's account (another account is refused)
            head, account_id = None, data["account_id"]
        else:
            head = await uow.orders.head(str(order_id))
            account_id = head.account_id if head is not None else data.get("account_id")
        partners = [] if account_id is None else await uow.partners.serving(str(account_id))
    if name == "order.rejected" and head is None and (sender := data.get("partner_id")):
        # a partner's refused new order exists nowhere: no other partner hears of it
        return [sender] if sender in partners else []
    return partners
