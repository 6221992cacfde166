"""Migrations build exactly the schema the code expects, on both databases."""

import asyncio
import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from hub.interfaces.request import BRAND_OWNER
from hub.store import migrations
from hub.store.database import open_database
from hub.store.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration


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
    await asyncio.to_thread(command.downgrade, config, "0003")
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
