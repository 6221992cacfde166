"""Which partners hear of an event on their ``partner.events`` queue.

An order event reaches the approved partners serving the order's account; a partner's
refused new order reaches only that partner; an alert reaches the partners it lists.
"""

from collections.abc import Sequence
from typing import Any

from hub.store.unit_of_work import UnitOfWork

ORDER_EVENTS = ("order.accepted", "order.rejected", "order.status_changed", "order.completed",
                "order.shipped")
PARTNER_EVENTS = (*ORDER_EVENTS, "partner.alert")


async def event_recipients(uow: UnitOfWork, name: str, data: dict[str, Any]) -> list[str]:
    """The partner ids that receive event ``name`` with ``data``."""
    return (await recipients_of(uow, [(name, data)]))[0]


async def recipients_of(uow: UnitOfWork, events: Sequence[tuple[str, dict[str, Any]]]
                        ) -> list[list[str]]:
    """The partner ids that receive each event, read in one transaction for them all."""
    if not any(_about_an_order(name, data) for name, data in events):
        return [_listed(name, data) for name, data in events]
    serving: dict[str, list[str]] = {}  # account -> its partners, read once per account
    async with uow:
        return [await _recipients(uow, name, data, serving) for name, data in events]


def _about_an_order(name: str, data: dict[str, Any]) -> bool:
    return name in ORDER_EVENTS and bool(data.get("order_id"))


def _listed(name: str, data: dict[str, Any]) -> list[str]:
    """The recipients an event names itself (an alert's); none for the rest."""
    return list(data.get("partner_ids") or []) if name == "partner.alert" else []


async def _recipients(uow: UnitOfWork, name: str, data: dict[str, Any],
                      serving: dict[str, list[str]]) -> list[str]:
    if not _about_an_order(name, data):
        return _listed(name, data)
    if name == "order.accepted" and data.get("account_id"):
        # an accepted revision is of its order's account (another account is refused)
        head, named = None, data["account_id"]
    else:
        head = await uow.orders.head(str(data["order_id"]))
        named = head.account_id if head is not None else data.get("account_id")
    if named is None:
        return []
    account = str(named)
    if (partners := serving.get(account)) is None:
        partners = serving[account] = await uow.partners.serving(account)
    if name == "order.rejected" and head is None and (sender := data.get("partner_id")):
        # a partner's refused new order exists nowhere: no other partner hears of it
        return [sender] if sender in partners else []
    return list(partners)
