"""The relay's copies for partners: an outbox row counts as sent only once its event and its
copy for ``hub.partner.events`` are both confirmed; a hub upgraded from one whose queue was
bound to ``hub.events`` loses those bindings, so no event is forwarded twice."""

import asyncio
import subprocess
import uuid
from dataclasses import replace

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker
from sqlalchemy import select

from connectors.amqp_publisher import AmqpPublisher
from hub.delivery.partner_events import FORWARD_QUEUE, declare_forwarding, forwarding_queue
from hub.delivery.partner_topology import vhost_url
from hub.delivery.relay import OutboxRelay
from hub.delivery.topology import EVENTS, QueuePolicy
from hub.store import migrations
from hub.store.database import open_database
from hub.store.outbox import OutgoingMessage
from hub.store.tables import OutboxRow
from hub.store.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration


async def test_an_event_whose_copy_is_not_taken_stays_unsent_until_both_go_out(
    amqp_url, tmp_path
):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    await migrations.upgrade(database_url)
    database = open_database(database_url)
    forwarding = f"test.forwarding.{uuid.uuid4().hex[:8]}"  # not declared yet

    async def copies(messages: list[OutgoingMessage]) -> dict[str, OutgoingMessage]:
        return {m.message_id: replace(m, exchange="", routing_key=forwarding) for m in messages
                if m.routing_key == "order.accepted"}

    publisher = AmqpPublisher(RabbitBroker(amqp_url), confirm_timeout=5.0)
    await publisher.connect()
    relay = OutboxRelay(database, publisher.publish, sweep_seconds=0.2, stale_seconds=0.3,
                        copies=copies)
    async with await aio_pika.connect(amqp_url) as watcher:
        channel = await watcher.channel()
        events = await channel.declare_exchange(EVENTS.name, aio_pika.ExchangeType.TOPIC,
                                                durable=True)
        seen = await channel.declare_queue(exclusive=True)
        await seen.bind(events, routing_key="order.*")
        await relay.start()
        try:
            async with UnitOfWork(database, relay.after_commit) as uow:
                uow.outbox.event("order.accepted", {"order_id": "ORD-1"})
                uow.outbox.event("order.revised", {"order_id": "ORD-1"})
                await uow.commit()
            accepted, revised = (m.message_id for m in uow.outbox.messages)

            # both events reach hub.events; the copy comes back, so its event stays unsent
            assert await message_ids(seen, 2) == {accepted, revised}
            assert await unsent(database) == {accepted}

            queue = await channel.declare_queue(forwarding, auto_delete=True)
            # the sweeper publishes the event again with its copy, and records it as sent
            async with asyncio.timeout(30):
                while await unsent(database):
                    await asyncio.sleep(0.1)
            assert await message_ids(queue, 1) == {accepted}
            assert accepted in await message_ids(seen, 1)  # again, under the same id
        finally:
            await relay.stop(timeout=5)
            await publisher.broker.stop()
    await database.dispose()


async def test_an_upgraded_hub_unbinds_its_forwarding_queue_from_hub_events(amqp_url):
    vhost = f"test-upgrade-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        url = vhost_url(amqp_url, vhost)
        broker = RabbitBroker(url)
        await broker.connect()
        async with await aio_pika.connect(url) as connection:
            channel = await connection.channel(publisher_confirms=True)
            events = await channel.declare_exchange(EVENTS.name, aio_pika.ExchangeType.TOPIC,
                                                    durable=True)
            # what an earlier hub declared: its forwarding queue bound to each partner event
            policy = QueuePolicy(quorum=True)
            await (await broker.declare_queue(forwarding_queue(policy))).bind(
                events, routing_key="order.accepted")
            queue = await channel.get_queue(FORWARD_QUEUE)
            await publish_event(events, "before")
            assert await message_ids(queue, 1) == {"before"}

            await declare_forwarding(broker, policy)

            await publish_event(events, "after")
            await asyncio.sleep(0.2)
            assert await queue.get(fail=False, no_ack=True) is None
        await broker.stop()
    finally:
        rabbitmqctl("delete_vhost", vhost)


async def publish_event(events: aio_pika.abc.AbstractExchange, message_id: str) -> None:
    await events.publish(aio_pika.Message(b"{}", message_id=message_id),
                         routing_key="order.accepted")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, check=True)


async def unsent(database) -> set[str]:
    async with database.sessions() as session:
        return set((await session.execute(
            select(OutboxRow.message_id).where(OutboxRow.sent_at.is_(None)))).scalars())


async def message_ids(queue: aio_pika.abc.AbstractQueue, count: int,
                      timeout: float = 30.0) -> set[str]:
    """The ids of the next ``count`` messages on ``queue``."""
    found: set[str] = set()
    seen = 0
    async with asyncio.timeout(timeout):
        while seen < count:
            message = await queue.get(fail=False, no_ack=True)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            seen += 1
            found.add(message.message_id or "")
    return found
