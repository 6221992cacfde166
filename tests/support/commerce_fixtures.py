"""Fixtures of the partner commerce tests: a hub with an open shop, and the partners' desks."""

from collections.abc import AsyncIterator

import pytest

from hub.bootstrap import Hub
from hub.client import HubCaller, PartnerCaller
from tests.support.commerce import open_shop
from tests.support.partners import AMQP_PARTNER, OTHER_PARTNER, partner_url
from tests.support.shared_hubs import SharedHub


@pytest.fixture
async def shop_hub(shared_channel_hub: SharedHub, caller: HubCaller) -> AsyncIterator[Hub]:
    """The module's partner channel hub, emptied, with two partners' shop open again."""
    hub = await shared_channel_hub.acquire()
    await open_shop(hub, caller)
    yield hub
    await shared_channel_hub.release()


@pytest.fixture
async def reseller(amqp_url: str, shop_hub: Hub) -> AsyncIterator[PartnerCaller]:
    """The AMQP partner's ordering desk on its own vhost, following its partner.events."""
    async with PartnerCaller(partner_url(amqp_url, AMQP_PARTNER), AMQP_PARTNER) as desk:
        await desk.follow_events()
        yield desk


@pytest.fixture
async def other_reseller(amqp_url: str, shop_hub: Hub) -> AsyncIterator[PartnerCaller]:
    async with PartnerCaller(partner_url(amqp_url, OTHER_PARTNER), OTHER_PARTNER) as desk:
        await desk.follow_events()
        yield desk
