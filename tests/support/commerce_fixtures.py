"""Fixtures of the partner commerce tests: a hub with an open shop, and the partners' desks."""

from collections.abc import AsyncIterator

import pytest

from hub.bootstrap import Hub
from hub.client import HubCaller, PartnerCaller
from hub.settings import Settings
from tests.support.commerce import open_shop
from tests.support.hubs import running_hub
from tests.support.partners import AMQP_PARTNER, OTHER_PARTNER, partner_url


@pytest.fixture
async def shop_hub(channel_settings: Settings, caller: HubCaller) -> AsyncIterator[Hub]:
    async with running_hub(channel_settings) as hub:
        await open_shop(hub, caller)
        yield hub


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
