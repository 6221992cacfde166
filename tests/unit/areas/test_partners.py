"""Partners without a broker: the registry, the partners' employees, alerts, who hears which
event, and what an employee may do on the partner's own channel."""

import json
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from pydantic import ValidationError
from sqlalchemy import event

from hub.canonical.assets import AssetQuery
from hub.canonical.catalog import CatalogQuery, CatalogSync
from hub.canonical.orders import Order, OrderRef
from hub.canonical.partners import (
    PartnerAlert,
    PartnerApproval,
    PartnerRegistration,
    PartnerSuspension,
    PartnerUserAssignment,
    PartnerUserRemoval,
)
from hub.delivery.partner_events import FORWARD_QUEUE, RECIPIENTS_HEADER, PartnerFanOut
from hub.interfaces.catalog.products import sync_catalog
from hub.interfaces.partners.alerts import send_alert
from hub.interfaces.partners.commerce import (
    partner_catalog,
    partner_get_order,
    partner_query_assets,
    partner_submit,
)
from hub.interfaces.partners.event_recipients import event_recipients, recipients_of
from hub.interfaces.partners.registry import (
    approve_partner,
    list_partners,
    register_partner,
    suspend_partner,
)
from hub.interfaces.partners.users import assign_user, list_users, remove_user
from hub.store.outbox import EVENTS_EXCHANGE, OutgoingMessage
from tests.support.commerce import CATALOG, SHIPPING, a_line, a_partner_order
from tests.unit.areas.steps import POLICY, errors, submit, view

SHOP, OTHER = "comtel", "northwind"
T = TypeVar("T")
ACCOUNT, OTHER_ACCOUNT, STORE = "ACC-42", "ACC-77", "ACC-STORE-1"
POWER, STANDARD = "pia.power", "sam.standard"


async def register(store, partner_id: str = SHOP, message_id: str | None = None,
                   **changes: Any):
    registration = PartnerRegistration.model_validate(
        {"partner_id": partner_id, "name": f"Partner {partner_id}",
         "connector": {"kind": "amqp"}, "accounts": [ACCOUNT]} | changes)
    return await register_partner(registration, store.request("partner.register", message_id),
                                  store.new_uow())


async def approve(store, partner_id: str = SHOP, **changes: Any):
    approval = PartnerApproval.model_validate({"partner_id": partner_id} | changes)
    return await approve_partner(approval, store.request("partner.approve"), store.new_uow())


async def suspend(store, partner_id: str = SHOP, reason: str | None = None):
    return await suspend_partner(PartnerSuspension(partner_id=partner_id, reason=reason),
                                 store.request("partner.suspend"), store.new_uow())


async def assign(store, user_id: str, user_type: str, partner_id: str = SHOP,
                 name: str | None = None):
    assignment = PartnerUserAssignment.model_validate(
        {"partner_id": partner_id, "user_id": user_id, "user_type": user_type, "name": name})
    return await assign_user(assignment, store.request("partner.user.assign"), store.new_uow())


async def remove(store, user_id: str, partner_id: str = SHOP):
    return await remove_user(PartnerUserRemoval(partner_id=partner_id, user_id=user_id),
                             store.request("partner.user.remove"), store.new_uow())


async def alert(store, alert_id: str, partner_ids: list[str] | None = None):
    message = PartnerAlert(alert_id=alert_id, title="Outage", text="Tonight 02:00-03:00",
                           partner_ids=partner_ids)
    return await send_alert(message, store.request("partner.alert"), store.new_uow())


async def profiles(store) -> dict[str, tuple[str, list[str], str | None]]:
    return {p.partner_id: (p.status, p.accounts, p.own_account_id)
            for p in await list_partners(store.new_uow())}


# --- the registry ------------------------------------------------------------------------

async def test_a_partner_applies_is_approved_then_suspended_and_each_step_is_announced(store):
    applied = await register(store, accounts=["ACC-1", "ACC-2"])
    approved = await approve(store, accounts=["ACC-2", "ACC-3"], own_account_id=STORE)
    suspended = await suspend(store, reason="unpaid invoices")

    assert [(r.status, r.result) for r in (applied, approved, suspended)] == [
        ("accepted", {"partner_id": SHOP, "status": s})
        for s in ("applied", "approved", "suspended")]
    assert [(e["previous_status"], e["status"], e["reason"])
            for e in store.events("partner.status_changed")] == [
        (None, "applied", None), ("applied", "approved", None),
        ("approved", "suspended", "unpaid invoices")]
    assert await profiles(store) == {SHOP: ("suspended", ["ACC-1", "ACC-2", "ACC-3"], STORE)}
    assert (await approve(store)).result == {"partner_id": SHOP, "status": "approved"}


@pytest.mark.parametrize(("kind", "vocabulary", "spoken"), [
    ("amqp", None, "salesforce"), ("amqp", "odoo", "odoo"), ("soap", None, "odoo")])
async def test_a_partner_speaks_its_connectors_vocabulary_unless_it_names_one(
        store, kind, vocabulary, spoken):
    connector = {"kind": kind} | ({"address": "http://crm.example/soap", "username": "hub",
                                   "secret_ref": SHOP} if kind == "soap" else {})
    await register(store, connector=connector, vocabulary=vocabulary)

    [profile] = await list_partners(store.new_uow())

    assert (profile.vocabulary, profile.connector.kind, profile.status) == (spoken, kind,
                                                                            "applied")


async def registered(store) -> None:
    await register(store)


async def approved(store) -> None:
    await register(store)
    await approve(store)


async def suspended(store) -> None:
    await approved(store)
    await suspend(store)


@pytest.mark.parametrize(("state", "step", "code"), [
    (registered, register, "partner.exists"),
    (registered, lambda store: approve(store, "nobody"), "partner.unknown"),
    (registered, lambda store: suspend(store, "nobody"), "partner.unknown"),
    (approved, approve, "partner.already_approved"),
    (suspended, suspend, "partner.already_suspended"),
    (registered, lambda store: assign(store, "u", "power", "nobody"), "partner.unknown"),
    (approved, lambda store: remove(store, "never.assigned"), "partner.user_unknown"),
])
async def test_a_registry_step_out_of_turn_is_refused_and_changes_nothing(prepared, state, step,
                                                                          code):
    store = await prepared(state)
    before, since = await store.snapshot(), len(store.published)

    reply = await step(store)

    assert [c for c, _ in errors(reply)] == [code]
    assert await store.changes_since(before) == {"inbox": "+1"}
    assert store.routing_keys(since) == []


@pytest.mark.parametrize(("change", "code", "path"), [
    ({"connector": {"kind": "soap"}}, "partner.connector_invalid", "connector"),
    ({"connector": {"kind": "ftp"}}, "partner.connector_kind_unknown", "connector.kind"),
    ({"vocabulary": "klingon"}, "partner.vocabulary_unknown", "vocabulary"),
    ({"partner_id": "Not A Username"}, "string_pattern_mismatch", "partner_id"),
    ({"name": None}, "string_type", "name"),
])
def test_a_registration_the_contract_refuses_is_refused_with_its_code_and_path(change, code, path):
    with pytest.raises(ValidationError) as refused:
        PartnerRegistration.model_validate({"partner_id": SHOP, "name": "ComTel",
                                            "connector": {"kind": "amqp"}} | change)
    [problem] = refused.value.errors(include_url=False)
    assert (problem["type"], ".".join(str(p) for p in problem["loc"])) == (code, path)


# --- employees ---------------------------------------------------------------------------

async def test_the_channel_manager_assigns_retypes_and_removes_an_employee(prepared):
    store = await prepared(approved)

    assigned = await assign(store, "nina.new", "standard", name="Nina")
    before = await store.snapshot()
    retyped = await assign(store, "nina.new", "power", name="Nina B.")

    assert assigned.result == {"partner_id": SHOP, "user_id": "nina.new",
                               "user_type": "standard"}
    assert retyped.result["user_type"] == "power"
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1",
                                                 "partner_users": "+1-1"}
    assert [e["user_type"] for e in store.events("partner.user_assigned")] == ["standard",
                                                                               "power"]
    assert store.events("partner.user_assigned")[1]["name"] == "Nina B."
    users = await list_users(store.new_uow(), SHOP)
    assert [(u.user_id, u.user_type, u.name) for u in users] == [("nina.new", "power",
                                                                  "Nina B.")]

    removed = await remove(store, "nina.new")

    assert removed.result == {"partner_id": SHOP, "user_id": "nina.new", "removed": True}
    assert store.events("partner.user_removed") == [{"partner_id": SHOP, "user_id": "nina.new",
                                                     "removed": True}]
    assert await list_users(store.new_uow(), SHOP) == []
    assert errors(await remove(store, "nina.new")) == [("partner.user_unknown", "user_id")]


def test_a_user_type_the_contract_does_not_know_is_refused():
    with pytest.raises(ValidationError) as refused:
        PartnerUserAssignment.model_validate({"partner_id": SHOP, "user_id": "u",
                                              "user_type": "boss"})
    assert [e["type"] for e in refused.value.errors()] == ["partner.user_type_unknown"]


# --- alerts ------------------------------------------------------------------------------

async def three_partners(store) -> None:
    """Two approved partners and one that only applied."""
    for partner_id in (SHOP, OTHER, "applicant"):
        await register(store, partner_id)
    await approve(store, SHOP)
    await approve(store, OTHER)


async def test_an_alert_reaches_the_listed_partners_or_every_approved_one(prepared):
    store = await prepared(three_partners)
    since = len(store.published)

    listed = await alert(store, "AL-1", [OTHER, SHOP, OTHER])
    everyone = await alert(store, "AL-2")

    assert listed.result == {"alert_id": "AL-1", "delivered_to": [OTHER, SHOP]}
    # every approved partner, in id order; the one that only applied is not one
    assert everyone.result == {"alert_id": "AL-2", "delivered_to": [SHOP, OTHER]}
    assert store.routing_keys(since) == ["partner.alert", "partner.alert"]
    first = store.events("partner.alert")[0]
    assert (first["alert_id"], first["title"], first["text"], first["partner_ids"]) == (
        "AL-1", "Outage", "Tonight 02:00-03:00", [OTHER, SHOP])
    assert await event_recipients(store.new_uow(), "partner.alert", first) == [OTHER, SHOP]


async def test_an_alert_to_a_partner_that_is_not_approved_is_refused_whole(prepared):
    store = await prepared(three_partners)
    before, since = await store.snapshot(), len(store.published)

    reply = await alert(store, "AL-3", [SHOP, "applicant", "nobody"])

    assert errors(reply) == [("partner.not_approved", "partner_ids[1]"),
                             ("partner.not_approved", "partner_ids[2]")]
    assert store.routing_keys(since) == []
    assert await store.changes_since(before) == {"inbox": "+1"}


# --- who hears of an order ---------------------------------------------------------------

async def test_an_order_event_reaches_the_approved_partners_serving_its_account(prepared):
    store = await prepared(three_partners)  # all three are assigned ACCOUNT; only two are approved
    await approve(store, "applicant", own_account_id=STORE)
    await suspend(store, OTHER)
    await submit(store, a_partner_order("ORD-42", a_line("1", "PLAN-FAM")))
    await submit(store, a_partner_order("ORD-STORE", a_line("1", "PLAN-FAM"),
                                        account_id=STORE))
    uow = store.new_uow

    assert await event_recipients(uow(), "order.accepted", {"order_id": "ORD-42"}) == [
        "applicant", SHOP]
    assert await event_recipients(uow(), "order.completed", {"order_id": "ORD-STORE"}) == [
        "applicant"]
    assert await event_recipients(uow(), "order.revised", {"order_id": "ORD-42"}) == []
    # a refused new order exists nowhere: only the partner that sent it hears of it
    refused = {"order_id": "ORD-NONE", "account_id": ACCOUNT, "partner_id": SHOP}
    assert await event_recipients(uow(), "order.rejected", refused) == [SHOP]
    assert await event_recipients(uow(), "order.rejected",
                                  refused | {"partner_id": OTHER}) == []


async def test_the_recipients_of_many_events_are_read_in_one_transaction(prepared):
    store = await prepared(three_partners)
    await approve(store, "applicant", own_account_id=STORE)
    await submit(store, a_partner_order("ORD-42", a_line("1", "PLAN-FAM")))
    refused = {"order_id": "ORD-NONE", "account_id": ACCOUNT, "partner_id": SHOP}
    events = [("order.accepted", {"order_id": "ORD-42", "account_id": ACCOUNT}),
              ("order.accepted", {"order_id": "ORD-42"}),
              ("order.rejected", refused),
              ("partner.alert", {"partner_ids": [OTHER]}),
              ("order.accepted", {"order_id": "ORD-9", "account_id": STORE}),
              ("order.revised", {"order_id": "ORD-42"})]

    together = await recipients_of(store.new_uow(), events)

    assert together == [await event_recipients(store.new_uow(), name, data)
                        for name, data in events]
    serving = sorted(["applicant", OTHER, SHOP])
    assert together == [serving, serving, [SHOP], [OTHER], ["applicant"], []]


async def test_the_relay_copies_for_partners_only_the_events_they_receive(prepared):
    store = await prepared(three_partners)
    await approve(store, "applicant", own_account_id=STORE)
    await suspend(store, OTHER)
    since = len(store.published)
    await submit(store, a_partner_order("ORD-42", a_line("1", "PLAN-FAM")))
    await submit(store, a_partner_order("ORD-ALONE", a_line("1", "PLAN-FAM"),
                                        account_id="ACC-NO-PARTNER"))
    round_ = store.published[since:]

    copies, selects = await counting_selects(store, PartnerFanOut(store.database).copies(round_))

    accepted = {json.loads(m.body)["data"]["order_id"]: m for m in round_
                if m.routing_key == "order.accepted"}
    assert set(accepted) == {"ORD-42", "ORD-ALONE"}
    assert list(copies) == [accepted["ORD-42"].message_id]  # billing, e-mail: never copied
    copy = copies[accepted["ORD-42"].message_id]
    assert (copy.exchange, copy.routing_key, copy.message_type) == (
        "", FORWARD_QUEUE, "order.accepted")
    assert copy.headers[RECIPIENTS_HEADER] == ["applicant", SHOP]
    assert copy.body == accepted["ORD-42"].body
    assert selects == 1  # an accepted order names its account: only who serves it is read


async def test_events_of_orders_read_their_account_in_one_statement_for_the_round(prepared):
    store = await prepared(three_partners)
    for n in range(5):
        await submit(store, a_partner_order(f"ORD-{n}", a_line("1", "PLAN-FAM")))
    changed = [OutgoingMessage(message_id=f"ev-{n}", exchange=EVENTS_EXCHANGE,
                               routing_key="order.status_changed",
                               message_type="order.status_changed",
                               content_type="application/json", correlation_id=None,
                               body=json.dumps({"data": {"order_id": f"ORD-{n}"}}).encode())
               for n in (*range(5), "MISSING")]

    copies, selects = await counting_selects(store, PartnerFanOut(store.database).copies(changed))

    assert sorted(copies) == [f"ev-{n}" for n in range(5)]
    assert {tuple(c.headers[RECIPIENTS_HEADER]) for c in copies.values()} == {(SHOP, OTHER)}
    assert selects == 2  # the orders' accounts, then who serves them


async def counting_selects(store, work: Awaitable[T]) -> tuple[T, int]:
    """What ``work`` returns, and how many SELECT statements it sent to the store."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = store.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = await work
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, sum(s.lstrip().upper().startswith("SELECT") for s in statements)


# --- the partner's own channel -----------------------------------------------------------

async def open_shop(store) -> None:
    """An approved partner with a power and a standard employee, and the catalog."""
    await register(store, SHOP, own_account_id=STORE)
    await approve(store, SHOP)
    await register(store, OTHER, accounts=[OTHER_ACCOUNT])
    await approve(store, OTHER)
    await assign(store, POWER, "power")
    await assign(store, STANDARD, "standard")
    await assign(store, "olga.other", "power", OTHER)
    synced = await sync_catalog(CatalogSync.model_validate({"products": CATALOG}),
                                store.request("catalog.sync"), store.new_uow())
    assert synced.status == "accepted"


async def partner_order(store, order: dict, acting_user: str | None = STANDARD,
                        message_id: str | None = None, user_id: str | None = ""):
    request = store.partner_request("order.submit", SHOP, acting_user, message_id, user_id)
    return await partner_submit(Order.model_validate(order), request, store.new_uow(), POLICY)


def prices(shown: dict) -> dict[str, tuple[str, str]]:
    return {i["line_id"]: (i["price"]["one_time"], i["price"]["recurring"])
            for i in shown["items"]}


async def test_a_customer_order_is_priced_from_the_list_and_names_who_placed_it(prepared):
    store = await prepared(open_shop)
    order = a_partner_order("P-100", a_line("1", "PLAN-FAM"),
                            a_line("2", "PHONE-X", parent_line_id="1", quantity=2),
                            shipping=SHIPPING)

    reply = await partner_order(store, order)

    assert reply.result == {"order_id": "P-100", "revision": 1, "status": "acknowledged"}
    shown = await view(store, "P-100")
    assert prices(shown) == {"1": ("0.00", "30.00"), "2": ("499.00", "0.00")}
    assert (shown["partner_id"], shown["acting_user"]) == (SHOP, STANDARD)
    [accepted] = store.events("order.accepted")
    assert (accepted["partner_id"], accepted["acting_user"], accepted["total"]) == (
        SHOP, STANDARD, "1028.00")


async def test_the_partners_own_stock_order_is_priced_at_partner_prices(prepared):
    store = await prepared(open_shop)
    order = a_partner_order("P-STOCK", a_line("1", "PHONE-X", quantity=10),
                            a_line("2", "SIM", quantity=10), account_id=STORE,
                            shipping=SHIPPING)

    assert (await partner_order(store, order)).status == "accepted"

    # a product without a partner price is sold to the partner at its list price
    assert prices(await view(store, "P-STOCK")) == {"1": ("380.00", "0.00"),
                                                    "2": ("5.00", "0.00")}


PARTNER_REFUSALS: dict[str, tuple[dict[str, Any], dict[str, Any], str | None]] = {
    # case: (the order's changes, the request's, the refusal's path)
    "partner.user_unknown": ({}, {"acting_user": None}, None),
    "partner.user_unknown/other": ({}, {"acting_user": "olga.other"}, None),
    "partner.identity_missing": ({}, {"user_id": None}, None),
    "partner.identity_mismatch": ({}, {"user_id": OTHER}, None),
    "partner.identity_mismatch/body": ({"partner_id": OTHER}, {}, "partner_id"),
    "partner.account_not_assigned": ({"account_id": OTHER_ACCOUNT}, {}, "account_id"),
    "line.product_unknown": ({"items": [a_line("1", "NOT-SOLD")]}, {},
                             "items[0].product_code"),
    "line.product_retired": ({"items": [a_line("1", "PLAN-OLD")]}, {},
                             "items[0].product_code"),
    "line.price_mismatch": ({"items": [a_line("1", "PLAN-FAM", price={
        "one_time": "0.00", "recurring": "21.00"})]}, {}, "items[0].price"),
    "order.currency_mixed": ({"currency": "USD"}, {}, "items[0].product_code"),
    "partner.user_type_forbidden/line": ({"items": [a_line("1", "PLAN-FAM", action="suspend",
                                                           asset_id="A-1")]}, {},
                                         "items[0].action"),
    "partner.user_type_forbidden/revision": ({"kind": "revision", "revision": 2}, {}, "kind"),
}


@pytest.mark.parametrize("case", sorted(PARTNER_REFUSALS))
async def test_every_partner_rule_refuses_with_its_code_and_changes_nothing(prepared, case):
    store = await prepared(open_shop)
    order_changes, request_changes, path = PARTNER_REFUSALS[case]
    order = a_partner_order("R-1", **order_changes)
    before, since = await store.snapshot(), len(store.published)

    reply = await partner_order(store, order, **request_changes)

    assert errors(reply) == [(case.split("/")[0], path)]
    assert store.routing_keys(since) == ["order.rejected"]
    # the partner that hears of it is the channel's, whatever the order says
    assert store.events("order.rejected")[0]["partner_id"] == SHOP
    assert await store.changes_since(before) == {"inbox": "+1", "outbox": "+1"}


async def test_a_suspended_partner_is_refused_on_its_channel(prepared):
    store = await prepared(open_shop)
    await suspend(store, SHOP)

    reply = await partner_order(store, a_partner_order("R-2"), acting_user=POWER)

    assert errors(reply) == [("partner.not_approved", None)]


async def test_a_partner_message_id_lives_apart_from_the_brand_owners(prepared):
    store = await prepared(open_shop)
    brand = await submit(store, a_partner_order("BRAND-1"), message_id="same-id")

    mine = await partner_order(store, a_partner_order("P-1"), message_id="same-id")
    again = await partner_order(store, a_partner_order("P-1"), message_id="same-id")

    assert (brand.result["order_id"], mine.result["order_id"]) == ("BRAND-1", "P-1")
    assert again == mine
    assert len(store.events("order.accepted")) == 2
    channel_caller = store.partner_request("order.submit", SHOP).caller
    assert (await store.stored_reply("same-id", channel_caller)) == mine


async def test_a_partner_sees_orders_and_assets_of_its_own_accounts_only(prepared):
    store = await prepared(open_shop)
    await submit(store, a_partner_order("BRAND-77", account_id=OTHER_ACCOUNT))
    await submit(store, a_partner_order("BRAND-42"))

    def request(operation: str, acting_user: str = STANDARD):
        return store.partner_request(operation, SHOP, acting_user)

    theirs = await partner_get_order(OrderRef(order_id="BRAND-77"), request("order.get"),
                                     store.new_uow())
    ours = await partner_get_order(OrderRef(order_id="BRAND-42"), request("order.get"),
                                   store.new_uow())
    other_assets = await partner_query_assets(AssetQuery(account_id=OTHER_ACCOUNT),
                                              request("asset.query", POWER), store.new_uow())
    future = await partner_query_assets(AssetQuery(account_id=ACCOUNT, view="future"),
                                        request("asset.query"), store.new_uow())
    catalog = await partner_catalog(CatalogQuery(), request("catalog.query", "olga.other"),
                                    store.new_uow())

    assert errors(theirs) == [("order.unknown", "order_id")]
    assert (ours.status, ours.result["order_id"]) == ("ok", "BRAND-42")
    assert errors(other_assets) == [("partner.account_not_assigned", "account_id")]
    assert errors(future) == [("partner.user_type_forbidden", "view")]
    assert errors(catalog) == [("partner.user_unknown", None)]
    power_future = await partner_query_assets(AssetQuery(account_id=ACCOUNT, view="future"),
                                              request("asset.query", POWER), store.new_uow())
    assert power_future.status == "ok"

