"""Schema migrations, applied by ``hub db upgrade`` and at ``hub run`` start-up."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from hub.store.database import normalise_url

HERE = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


async def upgrade(database_url: str) -> None:
    """Bring the schema to the newest revision (alembic runs its own loop, so in a thread)."""
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")
