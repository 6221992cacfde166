"""One partner flooding the hub does not starve the brand owner: partner requests are consumed
with a bounded prefetch per partner vhost, beside the brand owner's own queues."""

import asyncio
import json
import uuid

import aio_pika
import pytest

from hub.client import HubCaller
from hub.settings import Settings
from tests.support.commerce import STANDARD, a_partner_order, open_shop
from tests.support.hubs import running_hub
from tests.support.partners import AMQP_PARTNER, partner_url

pytestmark = pytest.mark.integration
pytest_plugins = ["tests.support.partner_fixtures"]
FLOOD = 2000


async def test_a_brand_owner_order_is_answered_while_a_partner_backlog_waits(
    channel_settings: Settings, caller: HubCaller, amqp_url: str
):
    async with running_hub(channel_settings) as hub:
        await open_shop(hub, caller, consume=False)
        connection = await aio_pika.connect(partner_url(amqp_url, AMQP_PARTNER))
        async with connection:
            answered = await count_replies(connection)
            await flood(connection, FLOOD)
            assert hub.partner_vhosts is not None
            await hub.partner_vhosts.reconcile()
            await until(lambda: answered[0] > 0, timeout=60)  # the backlog is being worked

            reply = (await caller.call("order.submit", a_partner_order("BRAND-1"),
                                       timeout=120)).json()
            answered_meanwhile = answered[0]

            assert reply["status"] == "accepted", reply
            assert answered_meanwhile < FLOOD // 2, (
                f"{answered_meanwhile} of {FLOOD} partner requests went first")
            await until(lambda: answered[0] == FLOOD, timeout=600)  # none was starved either


async def count_replies(connection: aio_pika.abc.AbstractConnection) -> list[int]:
    """A counter of the hub's replies arriving on the partner's reply queue."""
    count = [0]
    channel = await connection.channel()
    queue = await channel.get_queue("partner.replies", ensure=False)

    async def counted(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        assert json.loads(message.body)["status"] == "ok"
        count[0] += 1

    await queue.consume(counted, no_ack=True)
    return count


async def flood(connection: aio_pika.abc.AbstractConnection, requests: int) -> None:
    """Queue ``requests`` catalog queries as the partner, confirmed, before the hub reads any."""
    channel = await connection.channel(publisher_confirms=True)
    asi = await channel.get_exchange("hub.asi", ensure=False)
    body = json.dumps({"text": "plan"}).encode()
    for start in range(0, requests, 250):
        await asyncio.gather(*(asi.publish(aio_pika.Message(
            body, content_type="application/json", message_id=str(uuid.uuid4()),
            user_id=AMQP_PARTNER, headers={"x-acting-user": STANDARD},
            reply_to="partner.replies"), routing_key="catalog.query")
            for _ in range(start, min(start + 250, requests))))


async def until(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)
