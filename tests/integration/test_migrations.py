"""Migrations build exactly the schema the code expects, on both databases."""

import asyncio
import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from hub.client import HubCaller
from hub.interfaces.request import BRAND_OWNER
from hub.store import migrations
from hub.store.database import normalise_url, open_database
from hub.store.unit_of_work import UnitOfWork
from tests.support.factories import a_line, an_order
from tests.support.hubs import hub_settings, purge_asi_queues, running_hub

pytestmark = [pytest.mark.integration, pytest.mark.empty_database]


async def test_migrations_reach_the_models_and_repeat_harmlessly(database_url):
    await migrations.upgrade(database_url)
    await migrations.upgrade(database_url)
    # alembic's own check: fails when the models hold anything no migration creates
    await asyncio.to_thread(command.check, migrations.alembic_config(database_url))


async def test_the_inbox_scope_migration_keeps_every_answered_request(database_url):
    config = migrations.alembic_config(database_url)
    await asyncio.to_thread(command.upgrade, config, "0003")
    long_id = "m" * 300
    old_rows = [
        ("m-owner", "order.submit", "m-owner"),
        # a partner's key as the partner inbox wrote it: "<vhost>/<message_id>"
        ("partner.acme/m-lead", "opportunity.transfer", "m-lead"),
        (f"partner.acme/#{hashlib.sha256(long_id.encode()).hexdigest()}",
         "opportunity.update", long_id),
        # a brand-owner id that merely looks like a partner key stays the brand owner's
        ("partner.acme/m-trick", "order.approve", "partner.acme/m-trick"),
    ]
    await _write_old_inbox(database_url, old_rows)

    await migrations.upgrade(database_url)

    database = open_database(database_url)
    try:
        async with UnitOfWork(database, lambda _: None) as uow:
            found = {
                (caller, message_id): await uow.inbox.find(caller, message_id)
                for caller, message_id in [
                    (BRAND_OWNER, "m-owner"), ("partner.acme/acme", "m-lead"),
                    ("partner.acme/acme", long_id), (BRAND_OWNER, "partner.acme/m-trick"),
                    (BRAND_OWNER, "m-lead"), ("partner.acme/acme", "m-owner")]}
    finally:
        await database.dispose()
    assert {key: (a.operation, a.reply["request_id"]) if a else None
            for key, a in found.items()} == {
        (BRAND_OWNER, "m-owner"): ("order.submit", "m-owner"),
        ("partner.acme/acme", "m-lead"): ("opportunity.transfer", "m-lead"),
        ("partner.acme/acme", long_id): ("opportunity.update", long_id),
        (BRAND_OWNER, "partner.acme/m-trick"): ("order.approve", "partner.acme/m-trick"),
        (BRAND_OWNER, "m-lead"): None,
        ("partner.acme/acme", "m-owner"): None,
    }
    await asyncio.to_thread(command.downgrade, config, "-1")
    await migrations.upgrade(database_url)


async def _write_old_inbox(database_url: str, rows: list[tuple[str, str, str]]) -> None:
    database = open_database(database_url)
    try:
        async with database.sessions() as session:
            table = sa.table("inbox", sa.column("message_id"), sa.column("operation"),
                             sa.column("reply", sa.JSON), sa.column("created_at"))
            await session.execute(sa.insert(table), [
                {"message_id": key, "operation": operation, "created_at": datetime.now(UTC),
                 "reply": {"status": "accepted", "operation": operation,
                           "request_id": request_id, "result": {}, "errors": []}}
                for key, operation, request_id in rows])
            await session.commit()
    finally:
        await database.dispose()


V1_ORDER = an_order("ORD-V1", a_line("1", product_code="FIBRE", product_name="Fibre"),
                    a_line("2", action="update", asset_id="AST-V1", product_code="PHONE",
                           product_name="Phone", attributes={"minutes": 3000}),
                    account_id="ACC-V1")


async def build_v1_database(database_url: str) -> None:
    """The schema before this release, holding an order in progress and an installed asset."""
    await asyncio.to_thread(command.upgrade, migrations.alembic_config(database_url), "0003")
    engine = create_async_engine(normalise_url(database_url))
    at = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    async with engine.begin() as connection:
        await connection.execute(sa.text(
            "INSERT INTO order_heads (order_id, account_id, current_revision, status, "
            "point_of_no_return, submitted_at, updated_at) VALUES "
            "('ORD-V1', 'ACC-V1', 1, 'in_progress', :false, :at, :at)"),
            {"at": at, "false": False})
        await connection.execute(
            sa.text("INSERT INTO orders (order_id, revision, kind, account_id, partner_id, "
                    "currency, status, total, submitted_at, document, created_at) VALUES "
                    "('ORD-V1', 1, 'new', 'ACC-V1', NULL, 'EUR', 'in_progress', 39.98, :at, "
                    ":document, :at)").bindparams(sa.bindparam("document", type_=sa.JSON)),
            {"at": at, "document": V1_ORDER})
        for position, line_id in enumerate(("1", "2")):
            await connection.execute(sa.text(
                "INSERT INTO order_lines (order_id, revision, line_id, position, status, "
                "asset_id, reason) VALUES ('ORD-V1', 1, :line, :position, 'in_progress', "
                ":asset, NULL)"),
                {"line": line_id, "position": position, "asset": "AST-V1" if line_id == "2"
                 else None})
        await connection.execute(
            sa.text("INSERT INTO assets (asset_id, account_id, parent_asset_id, product_code, "
                    "product_name, status, quantity, attributes, from_order_id, from_revision, "
                    "from_line_id, updated_at, version) VALUES ('AST-V1', 'ACC-V1', NULL, "
                    "'PHONE', 'Phone', 'active', 1, :attributes, 'ORD-V0', 1, '1', :at, 1)")
            .bindparams(sa.bindparam("attributes", type_=sa.JSON)),
            {"at": at, "attributes": {"minutes": 1500}})
    await engine.dispose()


async def test_a_v1_database_upgrades_and_the_hub_reads_its_orders_and_assets(
        database_url, amqp_url):
    await build_v1_database(database_url)
    settings = hub_settings(amqp_url, database_url)
    await purge_asi_queues(settings)

    async with running_hub(settings), HubCaller(amqp_url) as caller:
        await caller.listen([("hub.events", "#")])
        order = (await caller.call("order.get", {"order_id": "ORD-V1"})).json()["result"]
        base = (await caller.call("asset.query", {"account_id": "ACC-V1"})).json()["result"]
        then = (await caller.call("asset.query", {
            "account_id": "ACC-V1", "as_of": "2026-10-02T00:00:00+00:00"})).json()["result"]
        before = (await caller.call("asset.query", {
            "account_id": "ACC-V1", "as_of": "2026-09-30T00:00:00+00:00"})).json()["result"]
        done = (await caller.call("fulfilment.status", {
            "order_id": "ORD-V1", "revision": 1, "system": "provisioning",
            "lines": [{"line_id": "1", "status": "completed"},
                      {"line_id": "2", "status": "completed"}]})).json()
        after = (await caller.call("asset.query", {"account_id": "ACC-V1"})).json()["result"]

    assert (order["status"], order["pending_revision"], order["shipments"]) == (
        "in_progress", None, [])
    assert [(i["line_id"], i["status"], i["systems"]) for i in order["items"]] == [
        ("1", "in_progress", {}), ("2", "in_progress", {})]
    assert [(c["at"], c["status"]) for c in order["history"]] == [
        ("2026-10-01T08:00:00Z", "in_progress")]
    assert order["billing_account_id"] == order["service_account_id"] == "ACC-V1"
    [asset] = base["assets"]
    assert (asset["asset_id"], asset["attributes"], asset["start_date"], asset["end_date"],
            asset["billing_account_id"], asset["service_account_id"]) == (
        "AST-V1", {"minutes": 1500}, "2026-10-01", None, "ACC-V1", "ACC-V1")
    assert then["assets"] == base["assets"] and before["assets"] == []
    assert done["result"]["status"] == "completed"
    assert {a["asset_id"]: a["attributes"] for a in flatten(after["assets"])} == {
        "AST-V1": {"minutes": 3000}, "ORD-V1.1": {"minutes": 1500}}


def flatten(trees: list[dict]) -> list[dict]:
    return [found for tree in trees for found in (tree, *flatten(tree["children"]))]
