"""The broker goes away under the hub: on a private node, never the broker others share."""

import asyncio

import pytest

from chaos.rabbit_nodes import PrivateRabbit
from hub.client import HubCaller
from tests.support.factories import an_order
from tests.support.hubs import hub_settings, running_hub

pytestmark = pytest.mark.integration


async def test_hub_consumes_again_after_the_broker_restarts(
    private_broker: PrivateRabbit, database_url: str
):
    node = private_broker.first
    settings = hub_settings(node.amqp_url, database_url)
    async with running_hub(settings), HubCaller(node.amqp_url) as caller:
        assert (await caller.call("order.submit", an_order("BEFORE"))).json()["status"] == \
            "accepted"
        await asyncio.to_thread(node.restart_app)
        async with HubCaller(node.amqp_url) as after:
            reply = await after.call("order.submit", an_order("AFTER-RESTART"), timeout=60)
    assert reply.json()["status"] == "accepted"
