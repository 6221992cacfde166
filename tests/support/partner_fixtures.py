"""Fixtures of the partner channel tests: a hub with three enrolled partners and their CRMs."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.bootstrap import Hub
from hub.settings import Settings
from simulators.amqp_crm_simulator import AmqpCrmSimulator
from simulators.soap_crm_simulator import CrmState, start_simulator
from tests.support.hubs import purge_asi_queues
from tests.support.partners import (
    AMQP_PARTNER,
    OTHER_PARTNER,
    SOAP_PASSWORD,
    SOAP_USER,
    TEST_PARTNERS,
    enrol_partners,
    partner_settings,
    partner_url,
    provision_on_broker,
    purge_partner_queues,
)
from tests.support.shared_hubs import SharedHub, shared_for, shared_hub_on


@pytest.fixture(scope="session")
async def provisioned_partners(amqp_url: str) -> None:
    """The test partners' vhosts, users and queues on the real broker, made once per run (at
    once: each step is a ``rabbitmqctl`` run, about half a second of Erlang start-up)."""
    settings = partner_settings(amqp_url, "sqlite+aiosqlite:///:memory:")
    await asyncio.gather(*(provision_on_broker(settings, partner_id)
                           for partner_id in TEST_PARTNERS))


@pytest.fixture(scope="module")
async def shared_channel_hub(amqp_url: str, database_kind: str, postgres_url: str,
                             sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory,
                             provisioned_partners: None) -> AsyncIterator[SharedHub]:
    """The partner channel hub a module's tests share on one database kind; it keeps consuming
    the test partners' vhosts between tests (``tests/support/shared_hubs.py``)."""
    async def purge_partners() -> None:
        await asyncio.gather(*(purge_partner_queues(amqp_url, partner_id)
                               for partner_id in TEST_PARTNERS))

    shared = shared_hub_on(database_kind, postgres_url, sqlite_template, tmp_path_factory,
                           lambda url: partner_settings(amqp_url, url), purge_partners)
    yield shared
    await shared.close()


@pytest.fixture
async def channel_settings(request: pytest.FixtureRequest, amqp_url: str, database_url: str,
                           provisioned_partners: None) -> Settings:
    """Partner settings on the test's database, with the ASI and partner queues empty."""
    if (shared := shared_for(request)) is not None:
        return shared.settings
    settings = partner_settings(amqp_url, database_url)
    await asyncio.gather(purge_asi_queues(settings),
                         *(purge_partner_queues(amqp_url, partner_id)
                           for partner_id in TEST_PARTNERS))
    return settings


@pytest.fixture
async def soap_crm() -> AsyncIterator[tuple[str, CrmState]]:
    runner, url, state = await start_simulator(username=SOAP_USER, password=SOAP_PASSWORD)
    yield url, state
    await runner.cleanup()


@pytest.fixture
async def channel_hub(shared_channel_hub: SharedHub, soap_crm: tuple[str, CrmState]
                      ) -> AsyncIterator[Hub]:
    """The module's partner channel hub, emptied, with the three test partners enrolled."""
    hub = await shared_channel_hub.acquire()
    await enrol_partners(hub, soap_crm[0])
    yield hub
    await shared_channel_hub.release()


@pytest.fixture
async def amqp_crm(amqp_url: str, channel_hub: Hub) -> AsyncIterator[AmqpCrmSimulator]:
    async with AmqpCrmSimulator(partner_url(amqp_url, AMQP_PARTNER), AMQP_PARTNER) as crm:
        yield crm


@pytest.fixture
async def other_crm(amqp_url: str, channel_hub: Hub) -> AsyncIterator[AmqpCrmSimulator]:
    async with AmqpCrmSimulator(partner_url(amqp_url, OTHER_PARTNER), OTHER_PARTNER) as crm:
        yield crm
