from collections.abc import AsyncIterator

import pytest

from hub.bootstrap import Hub
from hub.client import HubCaller
from hub.settings import Settings
from tests.support.back_office import back_office  # noqa: F401  (the simulated back office)
from tests.support.hubs import hub_settings, purge_asi_queues, running_hub


@pytest.fixture
async def settings(amqp_url: str, database_url: str) -> Settings:
    settings = hub_settings(amqp_url, database_url)
    await purge_asi_queues(settings)
    return settings


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    async with running_hub(settings) as hub:
        yield hub


@pytest.fixture
async def caller(amqp_url: str) -> AsyncIterator[HubCaller]:
    async with HubCaller(amqp_url) as caller:
        await caller.listen([("hub.events", "#"), ("hub.out", "#")])
        yield caller
