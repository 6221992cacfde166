from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from chaos.rabbit_nodes import PrivateRabbit, private_rabbit
from hub.bootstrap import Hub
from hub.client import HubCaller
from hub.settings import Settings
from tests.support.back_office import back_office  # noqa: F401  (the simulated back office)
from tests.support.hubs import hub_settings, purge_asi_queues, running_hub
from tests.support.shared_hubs import SharedHub, shared_for, shared_hub_on


@pytest.fixture(scope="session")
def private_broker() -> Iterator[PrivateRabbit]:
    """A RabbitMQ node of this run's own, for tests that stop or restart the broker."""
    with private_rabbit(1, prefix="test") as rabbit:
        yield rabbit


@pytest.fixture(scope="module")
async def shared_hub(amqp_url: str, database_kind: str, postgres_url: str,
                     sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
                     ) -> AsyncIterator[SharedHub]:
    """The hub the module's tests share on one database kind (``tests/support/shared_hubs.py``)."""
    shared = shared_hub_on(database_kind, postgres_url, sqlite_template, tmp_path_factory,
                           lambda url: hub_settings(amqp_url, url))
    yield shared
    await shared.close()


@pytest.fixture
async def settings(request: pytest.FixtureRequest, amqp_url: str, database_url: str) -> Settings:
    """The hub's settings on this test's database, with its ASI queues empty."""
    if (shared := shared_for(request)) is not None:
        return shared.settings
    settings = hub_settings(amqp_url, database_url)
    await purge_asi_queues(settings)
    return settings


@pytest.fixture
async def hub(shared_hub: SharedHub) -> AsyncIterator[Hub]:
    """The module's shared hub, as a fresh one would be: empty queues, empty tables."""
    yield await shared_hub.acquire()
    await shared_hub.release()


@pytest.fixture
async def fresh_hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub of the test's own, for tests that stop parts of it or count what it did."""
    async with running_hub(settings) as hub:
        yield hub


@pytest.fixture
async def caller(amqp_url: str) -> AsyncIterator[HubCaller]:
    async with HubCaller(amqp_url) as caller:
        await caller.listen([("hub.events", "#"), ("hub.out", "#")])
        yield caller
