"""Migrations build exactly the schema the code expects, on both databases."""

import asyncio

import pytest
from alembic import command

from hub.store import migrations

pytestmark = pytest.mark.integration


async def test_migrations_reach_the_models_and_repeat_harmlessly(database_url):
    await migrations.upgrade(database_url)
    await migrations.upgrade(database_url)
    # alembic's own check: fails when the models hold anything no migration creates
    await asyncio.to_thread(command.check, migrations.alembic_config(database_url))
