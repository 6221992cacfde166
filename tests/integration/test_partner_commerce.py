"""Partner commerce over the real broker: a reseller's employees browse the catalog and order
for their customers and their own shop on the partner's vhost, as power or standard users."""

import asyncio
import json
from typing import Any

import aio_pika
import pytest
from typer.testing import CliRunner, Result

from hub.cli import app
from hub.client import HubCaller, PartnerCaller
from hub.delivery.partner_events import FORWARD_QUEUE
from tests.support.commerce import (
    OTHERS_USER,
    POWER,
    SHIPPING,
    STANDARD,
    STORE,
    a_line,
    a_partner_order,
)
from tests.support.partners import ACCOUNT, AMQP_PARTNER, OTHER_ACCOUNT, partner_dead_letters

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.support.partner_fixtures", "tests.support.commerce_fixtures"]


def prices(reply: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {i["line_id"]: (i["price"]["one_time"], i["price"]["recurring"])
            for i in reply["result"]["items"]}


async def test_a_standard_user_browses_the_catalog_with_partner_prices(reseller: PartnerCaller):
    reply = await reseller.call("catalog.query", {"text": "phone"}, acting_user=STANDARD)

    assert reply["status"] == "ok", reply
    [phone] = reply["result"]["products"]
    assert (phone["product_code"], phone["shippable"]) == ("PHONE-X", True)
    assert phone["price"] == {"one_time": "499.00", "recurring": "0.00"}
    assert phone["partner_price"] == {"one_time": "380.00", "recurring": "0.00"}


async def test_a_customer_order_is_priced_from_the_list_and_announced_with_who_placed_it(
    reseller: PartnerCaller, caller: HubCaller
):
    order = a_partner_order("P-100", a_line("1", "PLAN-FAM"),
                            a_line("2", "PHONE-X", parent_line_id="1", quantity=2),
                            shipping=SHIPPING)
    reply = await reseller.call("order.submit", order, acting_user=STANDARD)
    assert (reply["status"], reply["result"]["status"]) == ("accepted", "acknowledged"), reply

    got = await reseller.call("order.get", {"order_id": "P-100"}, acting_user=STANDARD)
    assert prices(got) == {"1": ("0.00", "30.00"), "2": ("499.00", "0.00")}
    assert (got["result"]["partner_id"], got["result"]["acting_user"]) == (AMQP_PARTNER,
                                                                           STANDARD)
    [accepted] = await caller.wait_for("order.accepted", order_id="P-100")
    assert (accepted.json()["data"]["partner_id"],
            accepted.json()["data"]["acting_user"]) == (AMQP_PARTNER, STANDARD)
    seen = await reseller.wait_for_event("order.accepted", order_id="P-100")
    assert seen.json()["data"]["total"] == "1028.00"


async def test_the_partners_own_stock_order_is_priced_at_partner_prices(
    reseller: PartnerCaller
):
    order = a_partner_order("P-STOCK", a_line("1", "PHONE-X", quantity=10),
                            a_line("2", "SIM", quantity=10), account_id=STORE,
                            shipping=SHIPPING)
    reply = await reseller.call("order.submit", order, acting_user=STANDARD)
    assert reply["status"] == "accepted", reply

    got = await reseller.call("order.get", {"order_id": "P-STOCK"}, acting_user=STANDARD)
    # a product without a partner price is sold to the partner at its list price
    assert prices(got) == {"1": ("380.00", "0.00"), "2": ("5.00", "0.00")}


async def test_a_power_user_revises_the_order_and_later_changes_an_asset_it_became(
    reseller: PartnerCaller, caller: HubCaller
):
    first = a_partner_order("P-200", a_line("1", "PLAN-FAM"))
    assert (await reseller.call("order.submit", first, acting_user=POWER))["status"] == (
        "accepted")
    revision = first | {"kind": "revision", "revision": 2,
                        "items": [*first["items"], a_line("2", "ROAM", parent_line_id="1")]}
    revised = await reseller.call("order.submit", revision, acting_user=POWER)
    assert (revised["status"], revised["result"]["revision"]) == ("accepted", 2), revised
    await complete(caller, "P-200", 2, ["1", "2"])

    base = await reseller.call("asset.query", {"account_id": ACCOUNT}, acting_user=STANDARD)
    [plan] = base["result"]["assets"]
    [roaming] = plan["children"]
    wanted = plan | {"children": [roaming | {"attributes": {"zone": "world"}}]}
    delta = await reseller.call("asset.delta", {"account_id": ACCOUNT, "wanted": [wanted]},
                                acting_user=POWER)
    assert delta["status"] == "ok", delta
    changes = [i for i in delta["result"]["items"] if i["action"] != "none"]
    assert [(i["action"], i["asset_id"]) for i in changes] == [("update", roaming["asset_id"])]
    change = a_partner_order("P-201", *delta["result"]["items"])
    reply = await reseller.call("order.submit", change, acting_user=POWER)
    assert reply["status"] == "accepted", reply
    got = await reseller.call("order.get", {"order_id": "P-201"}, acting_user=POWER)
    # the hub kept the price of the asset each line changes, whatever the delta said
    assert {p for p in prices(got).values()} == {("0.00", "30.00"), ("0.00", "4.00")}


async def complete(caller: HubCaller, order_id: str, revision: int, lines: list[str]) -> None:
    for system in ("provisioning", "billing"):
        update = {"order_id": order_id, "revision": revision, "system": system,
                  "lines": [{"line_id": line, "status": "completed"} for line in lines]}
        reply = (await caller.call("fulfilment.status", update)).json()
        assert reply["status"] == "accepted", reply
    await caller.wait_for("asset.synced", order_id=order_id)


REFUSALS: dict[str, tuple[str, str | None, dict[str, Any], str | None]] = {
    # code: (operation, acting user, body, path)
    "partner.user_unknown": ("order.submit", None, a_partner_order("R-1"), None),
    "partner.user_unknown/unassigned": ("catalog.query", OTHERS_USER, {}, None),
    "partner.identity_mismatch": ("order.submit", POWER,
                                  a_partner_order("R-2", partner_id="t-someone-else"),
                                  "partner_id"),
    "partner.account_not_assigned": ("order.submit", POWER,
                                     a_partner_order("R-3", account_id=OTHER_ACCOUNT),
                                     "account_id"),
    "partner.account_not_assigned/assets": ("asset.query", POWER,
                                            {"account_id": OTHER_ACCOUNT}, "account_id"),
    "partner.account_not_assigned/delta": ("asset.delta", POWER,
                                           {"account_id": OTHER_ACCOUNT, "wanted": []},
                                           "account_id"),
    "order.unknown": ("order.get", POWER, {"order_id": "BRAND-77"}, "order_id"),
    "line.product_unknown": ("order.submit", POWER,
                             a_partner_order("R-4", a_line("1", "NOT-SOLD")),
                             "items[0].product_code"),
    "line.product_retired": ("order.submit", POWER,
                             a_partner_order("R-5", a_line("1", "PLAN-OLD")),
                             "items[0].product_code"),
    "line.price_mismatch": ("order.submit", POWER, a_partner_order("R-6", a_line(
        "1", "PLAN-FAM", price={"one_time": "0.00", "recurring": "21.00"})), "items[0].price"),
    "partner.user_type_forbidden/revision": ("order.submit", STANDARD, a_partner_order(
        "BRAND-42", kind="revision", revision=2), "kind"),
    "partner.user_type_forbidden/line": ("order.submit", STANDARD, a_partner_order(
        "R-7", a_line("1", "PLAN-FAM", action="suspend", asset_id="A-1")), "items[0].action"),
    "partner.user_type_forbidden/future": ("asset.query", STANDARD,
                                           {"account_id": ACCOUNT, "view": "future"}, "view"),
    "partner.user_type_forbidden/delta": ("asset.delta", STANDARD,
                                          {"account_id": ACCOUNT, "wanted": []}, None),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_every_partner_rule_refuses_with_its_code_and_changes_nothing(
    reseller: PartnerCaller, caller: HubCaller, amqp_url: str, case: str
):
    await brand_orders(caller)
    operation, acting_user, body, path = REFUSALS[case]

    reply = await reseller.call(operation, body, acting_user=acting_user)

    assert reply["status"] == "rejected", reply
    assert [(e["code"], e["path"]) for e in reply["errors"]] == [(case.split("/")[0], path)]
    assert reply["errors"][0]["message"]
    [kept] = await partner_dead_letters(amqp_url, AMQP_PARTNER, operation)
    assert kept.headers["x-hub-error-code"] == case.split("/")[0]
    if operation == "order.submit":
        stored = (await caller.call("order.get", {"order_id": body["order_id"]})).json()
        if body["order_id"].startswith("BRAND"):
            assert stored["result"]["revision"] == 1
        else:
            assert [e["code"] for e in stored["errors"]] == ["order.unknown"]


async def brand_orders(caller: HubCaller) -> None:
    """The brand owner's own orders: one on the partner's account, one on another's."""
    for order_id, account in (("BRAND-42", ACCOUNT), ("BRAND-77", OTHER_ACCOUNT)):
        order = a_partner_order(order_id, account_id=account)
        reply = (await caller.call("order.submit", order)).json()
        assert reply["status"] == "accepted", reply


async def test_a_resent_partner_order_gets_the_same_answer_and_is_stored_once(
    reseller: PartnerCaller, caller: HubCaller
):
    order = a_partner_order("P-300")
    first = await reseller.call("order.submit", order, acting_user=POWER, message_id="m-300")
    again = await reseller.call("order.submit", order, acting_user=POWER, message_id="m-300")

    assert first == again and first["status"] == "accepted"
    assert len(await caller.wait_for("order.accepted", order_id="P-300")) == 1


async def test_the_partner_hears_of_orders_on_its_accounts_only(
    reseller: PartnerCaller, other_reseller: PartnerCaller, caller: HubCaller
):
    await brand_orders(caller)
    await other_reseller.wait_for_event("order.accepted", order_id="BRAND-77")
    await reseller.wait_for_event("order.accepted", order_id="BRAND-42")
    marker = await reseller.call("order.submit", a_partner_order("P-400"), acting_user=POWER)
    assert marker["status"] == "accepted"
    await reseller.wait_for_event("order.accepted", order_id="P-400")

    assert [e.json()["data"]["order_id"] for e in reseller.events] == ["BRAND-42", "P-400"]
    assert all(e.json()["data"]["order_id"] == "BRAND-77" for e in other_reseller.events)


async def test_an_event_queued_before_the_relay_named_recipients_still_reaches_its_partner(
    amqp_url: str, reseller: PartnerCaller, other_reseller: PartnerCaller, caller: HubCaller
):
    await brand_orders(caller)
    await reseller.wait_for_event("order.accepted", order_id="BRAND-42")
    # as an earlier hub's binding left it in hub.partner.events: no recipients header
    event = {"event": "order.status_changed", "event_id": "legacy-1", "data": {
        "order_id": "BRAND-42", "status": "in_progress"}}
    async with await aio_pika.connect(amqp_url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.default_exchange.publish(aio_pika.Message(
            json.dumps(event).encode(), message_id="legacy-1", type="order.status_changed",
            content_type="application/json"), routing_key=FORWARD_QUEUE)

    seen = await reseller.wait_for_event("order.status_changed", order_id="BRAND-42")
    assert seen.message_id == "legacy-1"
    await other_reseller.wait_for_event("order.accepted", order_id="BRAND-77")
    assert all(e.json()["data"]["order_id"] == "BRAND-77" for e in other_reseller.events)


async def test_an_alert_reaches_the_listed_partners_without_saying_who_else(
    reseller: PartnerCaller, other_reseller: PartnerCaller, caller: HubCaller
):
    alert = {"alert_id": "AL-1", "title": "Price change", "text": "Phone X is cheaper",
             "partner_ids": [AMQP_PARTNER]}
    reply = (await caller.call("partner.alert", alert)).json()
    assert reply["result"] == {"alert_id": "AL-1", "delivered_to": [AMQP_PARTNER]}
    everyone = (await caller.call("partner.alert", {"alert_id": "AL-2", "title": "Outage",
                                                    "text": "Tonight 02:00-03:00"})).json()
    assert set(everyone["result"]["delivered_to"]) >= {AMQP_PARTNER, other_reseller.partner_id}

    seen = (await reseller.wait_for_event("partner.alert", alert_id="AL-1")).json()["data"]
    assert {k: seen[k] for k in ("alert_id", "title", "text")} == {
        "alert_id": "AL-1", "title": "Price change", "text": "Phone X is cheaper"}
    assert "partner_ids" not in seen
    await other_reseller.wait_for_event("partner.alert", alert_id="AL-2")
    assert [e.json()["data"]["alert_id"] for e in other_reseller.events] == ["AL-2"]


async def test_an_alert_to_a_partner_that_is_not_approved_is_refused(
    shop_hub, caller: HubCaller
):
    reply = (await caller.call("partner.alert", {"alert_id": "AL-3", "title": "t", "text": "x",
                                                 "partner_ids": ["nobody"]})).json()
    assert [(e["code"], e["path"]) for e in reply["errors"]] == [
        ("partner.not_approved", "partner_ids[0]")]


async def test_the_channel_manager_assigns_retypes_and_removes_an_employee(
    reseller: PartnerCaller, caller: HubCaller
):
    assign = {"partner_id": AMQP_PARTNER, "user_id": "nina.new", "user_type": "standard",
              "name": "Nina"}
    assert (await caller.call("partner.user.assign", assign)).json()["result"] == {
        "partner_id": AMQP_PARTNER, "user_id": "nina.new", "user_type": "standard"}
    refused = await reseller.call("asset.delta", {"account_id": ACCOUNT, "wanted": []},
                                  acting_user="nina.new")
    assert refused["errors"][0]["code"] == "partner.user_type_forbidden"

    await caller.call("partner.user.assign", assign | {"user_type": "power"})
    allowed = await reseller.call("asset.delta", {"account_id": ACCOUNT, "wanted": []},
                                  acting_user="nina.new")
    assert allowed["status"] == "ok", allowed

    removed = (await caller.call("partner.user.remove", {"partner_id": AMQP_PARTNER,
                                                         "user_id": "nina.new"})).json()
    assert removed["result"] == {"partner_id": AMQP_PARTNER, "user_id": "nina.new",
                                 "removed": True}
    gone = await reseller.call("catalog.query", {}, acting_user="nina.new")
    assert gone["errors"][0]["code"] == "partner.user_unknown"


@pytest.mark.parametrize("operation, body, code", [
    ("partner.user.assign", {"partner_id": "nobody", "user_id": "u", "user_type": "power"},
     "partner.unknown"),
    ("partner.user.assign", {"partner_id": AMQP_PARTNER, "user_id": "u", "user_type": "boss"},
     "partner.user_type_unknown"),
    ("partner.user.remove", {"partner_id": AMQP_PARTNER, "user_id": "never.assigned"},
     "partner.user_unknown"),
])
async def test_a_bad_user_assignment_is_refused(shop_hub, caller: HubCaller, operation, body,
                                                code):
    reply = (await caller.call(operation, body)).json()
    assert [e["code"] for e in reply["errors"]] == [code]


async def test_partner_user_commands_assign_list_and_remove(
    tmp_path, monkeypatch, amqp_url
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("AMQP_URL", amqp_url)
    await hub_command("partner", "register", "comtel", "--name", "ComTel",
                      "--own-account", "ACC-COMTEL")
    assigned = await hub_command("partner", "user", "assign", "comtel", "pia",
                                 "--type", "power", "--name", "Pia")
    assert assigned.exit_code == 0 and "comtel/pia: power" in assigned.output
    await hub_command("partner", "user", "assign", "comtel", "sam", "--type", "standard")

    listed = await hub_command("partner", "user", "list", "comtel")
    assert listed.output.splitlines() == ["pia\tpower\tPia", "sam\tstandard\t-"]
    removed = await hub_command("partner", "user", "remove", "comtel", "sam")
    assert removed.exit_code == 0
    again = await hub_command("partner", "user", "remove", "comtel", "sam")
    assert again.exit_code == 1 and "partner.user_unknown" in again.output
    wrong = await hub_command("partner", "user", "assign", "comtel", "x", "--type", "boss")
    assert wrong.exit_code == 1 and "partner.user_type_unknown" in wrong.output
    assert (await hub_command("partner", "user", "list", "comtel")).output == "pia\tpower\tPia\n"


async def hub_command(*args: str) -> Result:
    """Run ``hub ARGS`` in a thread: the command runs an event loop of its own."""
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


async def test_an_approval_can_give_the_partner_its_own_account_at_partner_prices(
    other_reseller: PartnerCaller, caller: HubCaller
):
    partner = other_reseller.partner_id
    await caller.call("partner.suspend", {"partner_id": partner})
    approved = (await caller.call("partner.approve", {"partner_id": partner,
                                                      "own_account_id": "ACC-OTHER-SHOP"})).json()
    assert approved["result"]["status"] == "approved", approved

    stock = a_partner_order("P-500", a_line("1", "PHONE-X", quantity=3),
                            account_id="ACC-OTHER-SHOP", shipping=SHIPPING)
    reply = await other_reseller.call("order.submit", stock, acting_user=OTHERS_USER)
    assert reply["status"] == "accepted", reply
    got = await other_reseller.call("order.get", {"order_id": "P-500"}, acting_user=OTHERS_USER)
    assert prices(got) == {"1": ("380.00", "0.00")}


async def test_the_partner_follows_its_order_through_shipment_and_completion(
    reseller: PartnerCaller, caller: HubCaller
):
    order = a_partner_order("P-600", a_line("1", "PLAN-FAM"), a_line("2", "PHONE-X"),
                            shipping=SHIPPING)
    assert (await reseller.call("order.submit", order, acting_user=POWER))["status"] == (
        "accepted")
    shipped = (await caller.call("shipment.notify", {
        "order_id": "P-600", "shipment_id": "SHP-600", "carrier": "PostNL",
        "tracking_id": "3SPOST600", "shipped_at": "2026-12-01T08:00:00+00:00",
        "lines": ["2"]})).json()
    assert shipped["status"] == "accepted", shipped
    await complete(caller, "P-600", 1, ["1", "2"])

    ship = await reseller.wait_for_event("order.shipped", order_id="P-600")
    progress = await reseller.wait_for_event("order.status_changed", order_id="P-600")
    done = await reseller.wait_for_event("order.completed", order_id="P-600")
    assert (ship.json()["data"]["tracking_id"], ship.json()["data"]["shipment_id"]) == (
        "3SPOST600", "SHP-600")
    assert progress.json()["data"]["status"] in {"in_progress", "completed"}
    assert done.json()["data"]["order_id"] == "P-600"
    # the copies keep the brand owner's message ids: a redelivery is recognisable
    [brand_ship] = await caller.wait_for("order.shipped", order_id="P-600")
    assert ship.message_id == brand_ship.message_id
