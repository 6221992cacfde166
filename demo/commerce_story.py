"""Scenario 10: ComTel's employees order through the hub on ComTel's own virtual host.

The store manager orders stock at partner prices, a power user sells Acme a family plan and
revises it the next morning, a standard user is refused the revision, and weeks later the
power user changes a phone's roaming from Acme's installed base.
"""

import copy
import secrets
from typing import Any
from urllib.parse import urlsplit

from connectors.rabbitmq_admin import ProvisioningFailed
from demo import show
from demo.catalogue import family_plan_order, phone_lines
from demo.partner_story import ACME, COMTEL_STORE
from demo.simulators import Billing, Provisioning
from hub.bootstrap import Hub, provision_partner
from hub.client import HubCaller, PartnerCaller
from hub.delivery.partner_topology import vhost_of, vhost_url

STORE_MANAGER, SALES_PRO = "lena.store", "piet.sales"


def _product(code: str, name: str, *, one_time: str = "0.00", recurring: str = "0.00",
             partner: tuple[str, str] | None = None, **flags: Any) -> dict[str, Any]:
    product = {"product_code": code, "name": name, "trackable": True, "currency": "EUR",
               "price": {"one_time": one_time, "recurring": recurring}} | flags
    if partner is not None:
        product["partner_price"] = {"one_time": partner[0], "recurring": partner[1]}
    return product


PRODUCTS = [
    _product("FAMILY-1500", "Family 1500-minute plan", recurring="59.00",
             promotion="first month free until 31 December"),
    _product("FAMILY-900", "Family 900-minute plan", recurring="45.00", status="retired"),
    _product("PHONE-LINE", "Phone line", recurring="9.99"),
    _product("VOICEMAIL", "Voicemail"),
    _product("ROAMING", "Roaming"),
    _product("INSTALL", "Home installation", one_time="49.00", trackable=False),
    _product("HANDSET-X", "Handset X", one_time="399.00", partner=("310.00", "0.00"),
             shippable=True, trackable=False),
    _product("SIM", "SIM card", one_time="5.00", partner=("1.50", "0.00"), shippable=True,
             trackable=False),
]
STORE_ADDRESS = {"address": {"name": "ComTel shop Utrecht", "street": "Oudegracht 12",
                             "city": "Utrecht", "postal_code": "3511AB", "country": "NL"}}


async def comtel_orders_for_its_customers(caller: HubCaller, hub: Hub, billing: Billing,
                                          provisioning: Provisioning) -> None:
    show.chapter("10. Partner ordering", "ComTel Networks resells TeleMedia. Its employees "
                 "order on ComTel's own virtual host: the hub checks who acts, on which "
                 "account, and prices every line from TeleMedia's catalog.")
    show.step("TeleMedia's product master syncs the catalog (catalog.sync)")
    show.reply((await caller.call("catalog.sync", {"products": PRODUCTS})).json())
    show.step(f"the channel manager assigns {STORE_MANAGER} (standard user) and "
              f"{SALES_PRO} (power user) to ComTel")
    for user_id, user_type in ((STORE_MANAGER, "standard"), (SALES_PRO, "power")):
        await caller.call("partner.user.assign", {"partner_id": "comtel", "user_id": user_id,
                                                  "user_type": user_type})
    password = secrets.token_urlsafe(16)
    try:
        vhost = await provision_partner(hub.settings, "comtel", password)
    except ProvisioningFailed as failed:
        show.console.print(f"  [yellow]skipped: provisioning needs rabbitmqctl beside the "
                           f"broker ({failed})[/]")
        return
    show.step(f"operator provisions ComTel's vhost {vhost}: its user may now order too")
    assert hub.partner_vhosts is not None
    await hub.partner_vhosts.reconcile()
    async with PartnerCaller(_comtel_url(hub.settings.amqp_url, password), "comtel") as desk:
        await desk.follow_events()
        await _stock_order(desk)
        order = await _family_plan(desk)
        await _next_morning(desk, order)
        await provisioning.work_through(order)
        await billing.complete(order)
        await caller.wait_for("asset.synced", order_id="CT-5001")
        await _weeks_later(desk, caller, billing, provisioning)
        await desk.wait_for_event("order.completed", order_id="CT-5001")
        show.step("what ComTel heard on its own partner.events queue: " + ", ".join(
            f"{e.routing_key} {e.json()['data'].get('order_id', '')}" for e in desk.events))


async def _stock_order(desk: PartnerCaller) -> None:
    show.step(f"{STORE_MANAGER} browses the catalog for handsets: list and partner prices")
    found = await desk.call("catalog.query", {"text": "handset"}, acting_user=STORE_MANAGER)
    for product in found["result"]["products"]:
        show.console.print(f"  {product['product_code']} {product['name']}: list "
                           f"{product['price']['one_time']}, ComTel pays "
                           f"{product['partner_price']['one_time']} EUR")
    show.step(f"{STORE_MANAGER} orders shop stock on ComTel's own account {COMTEL_STORE}: "
              "10 handsets and 20 SIM cards, no prices given")
    stock = {"order_id": "CT-STOCK-1", "account_id": COMTEL_STORE, "currency": "EUR",
             "submitted_at": "2026-11-24T08:30:00+00:00", "shipping": STORE_ADDRESS,
             "items": [_add("1", "HANDSET-X", quantity=10), _add("2", "SIM", quantity=20)]}
    show.reply(await desk.call("order.submit", stock, acting_user=STORE_MANAGER))
    _show_prices(await desk.call("order.get", {"order_id": "CT-STOCK-1"},
                                 acting_user=STORE_MANAGER))


async def _family_plan(desk: PartnerCaller) -> dict[str, Any]:
    show.step(f"{SALES_PRO} sells Acme ({ACME}) the family plan with two phones; the hub "
              "prices it at list prices")
    order = _unpriced(family_plan_order("CT-5001", phones=2) | {"account_id": ACME})
    show.reply(await desk.call("order.submit", order, acting_user=SALES_PRO))
    _show_prices(await desk.call("order.get", {"order_id": "CT-5001"}, acting_user=SALES_PRO))
    await desk.wait_for_event("order.accepted", order_id="CT-5001")
    return order


async def _next_morning(desk: PartnerCaller, order: dict[str, Any]) -> None:
    revision = copy.deepcopy(order) | {"kind": "revision", "revision": 2}
    revision["items"][-1:-1] = _unpriced({"items": phone_lines(3)})["items"]
    show.step(f"the next morning {STORE_MANAGER} tries to add a third phone (a revision)")
    show.reply(await desk.call("order.submit", revision, acting_user=STORE_MANAGER))
    show.step(f"{SALES_PRO}, a power user, submits the supplemental order")
    show.reply(await desk.call("order.submit", revision, acting_user=SALES_PRO))
    order.update(revision)


async def _weeks_later(desk: PartnerCaller, caller: HubCaller, billing: Billing,
                       provisioning: Provisioning) -> None:
    show.step(f"weeks later {SALES_PRO} reads Acme's installed base and asks for worldwide "
              "roaming on phone 1")
    base = await desk.call("asset.query", {"account_id": ACME}, acting_user=SALES_PRO)
    wanted = base["result"]["assets"]
    _find(wanted, "CT-5001.P1-RM")["attributes"]["zone"] = "WORLD"
    delta = await desk.call("asset.delta", {"account_id": ACME, "wanted": wanted},
                            acting_user=SALES_PRO)
    items = delta["result"]["items"]
    show.delta_lines([i for i in items if i["action"] != "none"])
    change = {"order_id": "CT-6001", "account_id": ACME, "currency": "EUR",
              "submitted_at": "2026-12-21T10:00:00+00:00", "items": items}
    show.reply(await desk.call("order.submit", change, acting_user=SALES_PRO))
    await provisioning.work_through(change | {"revision": 1})
    await billing.complete(change | {"revision": 1})
    await caller.wait_for("asset.synced", order_id="CT-6001")
    show.step("the roaming asset now has zone WORLD; each changed line kept its asset's price")


def _add(line_id: str, code: str, **changes: Any) -> dict[str, Any]:
    return {"line_id": line_id, "action": "add", "product_code": code, "product_name": code,
            "quantity": 1} | changes


def _unpriced(order: dict[str, Any]) -> dict[str, Any]:
    return order | {"items": [{k: v for k, v in item.items() if k != "price"}
                              for item in order["items"]]}


def _show_prices(reply: dict[str, Any]) -> None:
    for item in reply["result"]["items"]:
        show.console.print(f"  line {item['line_id']:6} {item['product_code']:12} x"
                           f"{item['quantity']:<3} {item['price']['one_time']:>7} once "
                           f"{item['price']['recurring']:>6} monthly")


def _find(trees: list[dict], asset_id: str) -> dict:
    for tree in trees:
        if tree["asset_id"] == asset_id:
            return tree
        if (found := _find(tree["children"], asset_id)) is not None:
            return found
    return None  # type: ignore[return-value]


def _comtel_url(amqp_url: str, password: str) -> str:
    parts = urlsplit(amqp_url)
    own = parts._replace(netloc=f"comtel:{password}@{parts.hostname}:{parts.port or 5672}")
    return vhost_url(own.geturl(), vhost_of("comtel"))
