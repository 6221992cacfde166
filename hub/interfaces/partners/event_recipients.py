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
    """The partner ids that receive each event: two statements at most, however many events.

    An accepted order names its account (an accepted revision of another account is refused);
    any other order event is of the account its order has, read from the order's head.
    """
    about_orders = [(name, data) for name, data in events if _about_an_order(name, data)]
    if not about_orders:
        return [_listed(name, data) for name, data in events]
    async with uow:
        accounts = await uow.orders.accounts_of(
            str(data["order_id"]) for name, data in about_orders if not _names_account(name, data))
        serving = await uow.partners.serving_each(
            {account for name, data in about_orders
             if (account := _account(name, data, accounts)) is not None})
    return [_recipients(name, data, accounts, serving) for name, data in events]


def _about_an_order(name: str, data: dict[str, Any]) -> bool:
    return name in ORDER_EVENTS and bool(data.get("order_id"))


def _names_account(name: str, data: dict[str, Any]) -> bool:
    return name == "order.accepted" and bool(data.get("account_id"))


def _account(name: str, data: dict[str, Any], accounts: dict[str, str]) -> str | None:
    """The event's account: named by an accepted order, else its order's (or, failing that, named)."""
    if _names_account(name, data):
        return str(data["account_id"])
    named = accounts.get(str(data["order_id"]), data.get("account_id"))
    return None if named is None else str(named)


def _listed(name: str, data: dict[str, Any]) -> list[str]:
    """The recipients an event names itself (an alert's); none for the rest."""
    return list(data.get("partner_ids") or []) if name == "partner.alert" else []


def _recipients(name: str, data: dict[str, Any], accounts: dict[str, str],
                serving: dict[str, list[str]]) -> list[str]:
    if not _about_an_order(name, data):
        return _listed(name, data)
    if (account := _account(name, data, accounts)) is None:
        return []
    partners = serving.get(account, [])
    exists = _names_account(name, data) or str(data["order_id"]) in accounts
    if name == "order.rejected" and not exists and (sender := data.get("partner_id")):
        # a partner's refused new order exists nowhere: no other partner hears of it
        return [sender] if sender in partners else []
    return list(partners)
