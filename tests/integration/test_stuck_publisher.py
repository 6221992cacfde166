"""A publishing connection that goes silent (a node stuck under load: no error, no frame) is
replaced as soon as a confirm is overdue, and what was committed meanwhile goes out.

Without that, aiormq notices the silence only after three missed heartbeats (minutes), and
the relay's rounds and sweeps fail on the dead channel all that time.
"""

import asyncio
import json
from urllib.parse import urlsplit

import aio_pika
import pytest
from faststream.rabbit import RabbitBroker
from sqlalchemy import func, select

from connectors.amqp_publisher import AmqpPublisher
from hub.delivery.relay import OutboxRelay
from hub.delivery.topology import EVENTS
from hub.store import migrations
from hub.store.database import open_database
from hub.store.tables import OutboxRow
from hub.store.unit_of_work import UnitOfWork
from tests.support.tcp_proxy import silent_proxy

pytestmark = pytest.mark.integration

COMMITTED_WHILE_SILENT = 50


async def test_a_silent_publishing_connection_is_replaced_and_nothing_waits_for_heartbeats(
    amqp_url, tmp_path
):
    parts = urlsplit(amqp_url)
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    await migrations.upgrade(database_url)
    database = open_database(database_url)
    async with await aio_pika.connect(amqp_url) as watcher, \
            silent_proxy(parts.hostname or "127.0.0.1", parts.port or 5672) as proxy:
        channel = await watcher.channel()
        events = await channel.declare_exchange(EVENTS.name, aio_pika.ExchangeType.TOPIC,
                                                durable=True)
        arrived = await channel.declare_queue(exclusive=True)
        await arrived.bind(events, routing_key="stuck.test")

        proxied = parts._replace(netloc=f"{parts.username}:{parts.password}"
                                        f"@127.0.0.1:{proxy.port}").geturl()
        publisher = AmqpPublisher(RabbitBroker(proxied), confirm_timeout=1.0)
        await publisher.connect()
        relay = OutboxRelay(database, publisher.publish, sweep_seconds=0.2, stale_seconds=0.5)
        await relay.start()
        try:
            await commit_events(database, relay, ["before"])
            assert await received(arrived, {"before"}) == {"before"}

            assert proxy.freeze() == 1  # the publisher's only connection goes silent
            names = [f"silent-{n}" for n in range(COMMITTED_WHILE_SILENT)]
            for name in names:
                await commit_events(database, relay, [name])

            # a positive signal: every message committed in the silence arrives (at least once)
            assert await received(arrived, set(names)) == set(names)
        finally:
            await relay.stop(timeout=5)
            await publisher.broker.stop()

    assert publisher.renewals >= 1
    assert proxy.connections >= 2  # it connected again, through the same address
    async with database.sessions() as session:
        unsent = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None)))
    assert unsent == 0
    await database.dispose()


async def commit_events(database, relay: OutboxRelay, names: list[str]) -> None:
    async with UnitOfWork(database, relay.after_commit) as uow:
        for name in names:
            uow.outbox.event("stuck.test", {"name": name})
        await uow.commit()


async def received(queue: aio_pika.abc.AbstractQueue, expected: set[str],
                   timeout: float = 90.0) -> set[str]:
    """The names of events that arrived, once ``expected`` all did (a resend may repeat one).

    The timeout only ends a failing run: three missed heartbeats would take minutes.
    """
    names: set[str] = set()
    async with asyncio.timeout(timeout):
        while not expected <= names:
            message = await queue.get(fail=False, no_ack=True)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            names.add(json.loads(message.body)["data"]["name"])
    return names
