from collections.abc import AsyncIterator, Iterator

import pytest

from chaos.rabbit_nodes import PrivateRabbit, private_rabbit
from hub.bootstrap import Hub
from hub.client import HubCaller
from hub.settings import Settings
from tests.support.back_office import back_office  # noqa: F401  (the simulated back office)
from tests.support.hubs import hub_settings, purge_asi_queues, running_hub


@pytest.fixture(scope="session")
def private_broker() -> Iterator[PrivateRabbit]:
    """A RabbitMQ node of this run's own, for tests that stop or restart the broker."""
    with private_rabbit(1, prefix="test") as rabbit:
        yield rabbit


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
