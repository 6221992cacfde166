"""The partner ordering channel for the tests: a catalog, partner employees, orders to place."""

from datetime import UTC, datetime
from typing import Any

from hub.bootstrap import Hub
from hub.canonical.partners import PartnerUserAssignment
from hub.client import HubCaller
from hub.interfaces.partners.users import assign_user
from hub.interfaces.request import Request
from tests.support.partners import (
    ACCOUNT,
    AMQP_PARTNER,
    OTHER_ACCOUNT,
    OTHER_PARTNER,
    enrol,
)

STORE = "ACC-STORE-1"  # the AMQP partner's own account: its shop's stock
POWER, STANDARD, OTHERS_USER = "pia.power", "sam.standard", "olga.other"


def a_product(code: str, **changes: Any) -> dict[str, Any]:
    """A catalog product: list price, a partner price, tracked as an asset, not shipped."""
    return {"product_code": code, "name": f"Product {code}", "trackable": True,
            "currency": "EUR", "price": {"one_time": "0.00", "recurring": "30.00"},
            "partner_price": {"one_time": "0.00", "recurring": "21.00"},
            "status": "active"} | changes


CATALOG = [
    a_product("PLAN-FAM", name="Family 1500-minute plan", promotion="first month free"),
    a_product("PHONE-X", name="Phone X", shippable=True,
              price={"one_time": "499.00", "recurring": "0.00"},
              partner_price={"one_time": "380.00", "recurring": "0.00"}),
    a_product("SIM", name="SIM card", price={"one_time": "5.00", "recurring": "0.00"},
              partner_price=None),
    a_product("ROAM", name="Roaming option", price={"one_time": "0.00", "recurring": "4.00"}),
    a_product("INSTALL", name="Home installation", trackable=False,
              price={"one_time": "90.00", "recurring": "0.00"}),
    a_product("PLAN-OLD", name="Retired 500-minute plan", status="retired"),
]
SHIPPING = {"address": {"name": "Acme Logistics", "street": "Dock 4", "city": "Rotterdam",
                        "postal_code": "3011AA", "country": "NL"}}


def a_line(line_id: str, product_code: str, **changes: Any) -> dict[str, Any]:
    """An add line without a price: the hub prices it from the catalog."""
    return {"line_id": line_id, "action": "add", "product_code": product_code,
            "product_name": product_code, "quantity": 1} | changes


def a_partner_order(order_id: str, *items: dict[str, Any], account_id: str = ACCOUNT,
                    **changes: Any) -> dict[str, Any]:
    return {"order_id": order_id, "kind": "new", "revision": 1, "account_id": account_id,
            "currency": "EUR", "submitted_at": datetime.now(UTC).isoformat(),
            "items": list(items) or [a_line("1", "PLAN-FAM")]} | changes


async def assign(hub: Hub, partner_id: str, user_id: str, user_type: str) -> None:
    assignment = PartnerUserAssignment(partner_id=partner_id, user_id=user_id,
                                       user_type=user_type)  # type: ignore[arg-type]
    request = Request(operation="partner.user.assign",
                      message_id=f"assign-{partner_id}-{user_id}")
    await assign_user(assignment, request, hub.new_uow())


async def open_shop(hub: Hub, caller: HubCaller, *, consume: bool = True) -> None:
    """Two approved partners with their employees, and the brand owner's catalog."""
    await enrol(hub, AMQP_PARTNER, {"kind": "amqp"}, ACCOUNT, own_account_id=STORE,
                consume=consume)
    await enrol(hub, OTHER_PARTNER, {"kind": "amqp"}, OTHER_ACCOUNT, consume=consume)
    await assign(hub, AMQP_PARTNER, POWER, "power")
    await assign(hub, AMQP_PARTNER, STANDARD, "standard")
    await assign(hub, OTHER_PARTNER, OTHERS_USER, "power")
    synced = (await caller.call("catalog.sync", {"products": CATALOG})).json()
    assert synced["status"] == "accepted", synced
