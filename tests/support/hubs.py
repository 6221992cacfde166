"""Starting real hub workers against the real broker and database for a test."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cache

import aio_pika

from hub.bootstrap import Hub, build_hub
from hub.delivery.topology import CONNECTOR_QUEUES, QueuePolicy
from hub.settings import Settings


def hub_settings(amqp_url: str, database_url: str, **overrides: object) -> Settings:
    values = {"amqp_url": amqp_url, "database_url": database_url,
              "HUB_OUTBOX_SWEEP_SECONDS": 0.5,
              "HUB_OUTBOX_STALE_SECONDS": 2.0, "HUB_MAX_ATTEMPTS": 3,
              "HUB_GRACEFUL_TIMEOUT": 10.0,
              # a free port each: hubs of parallel runs and tests never collide on 8080
              "HUB_HTTP_ADDR": "127.0.0.1:0",
              # most scenarios are about something else and play provisioning alone; the
              # rule that every system must complete a line has its own tests with both
              "HUB_FULFILMENT_SYSTEMS": "provisioning",
              # a hub in the test's own process relays in it too, so tests can watch and
              # break the relay; `hub run` workers started by tests use the relay process
              # (tests/integration/test_relay_process.py, test_group_commit.py)
              "HUB_RELAY_PROCESS": False}
    values |= overrides
    return Settings(**values)


def asi_queue_names(settings: Settings) -> list[str]:
    """The ASI and connector queues of a hub so configured (the store does not change them)."""
    return _queue_names(settings.model_copy(update={"database_url": "sqlite+aiosqlite:///queue-names.db"})
                        .model_dump_json())


@cache
def _queue_names(settings_json: str) -> list[str]:
    settings = Settings.model_validate_json(settings_json)
    routes = build_hub(settings)
    routes.build_routes(QueuePolicy())
    ops = routes.routes.operations
    connectors = [name for name, _ in CONNECTOR_QUEUES]
    return ([f"asi.{op}" for op in ops] + [f"asi.{op}.dlq" for op in ops] + connectors
            + [f"{name}.dlq" for name in connectors])


async def purge_asi_queues(settings: Settings) -> None:
    """Start each test from empty ASI queues and DLQs on the shared broker."""
    await purge_queues(settings.amqp_url, asi_queue_names(settings), missing_ok=True)


async def purge_queues(amqp_url: str, names: Sequence[str], *, missing_ok: bool,
                       lanes: int = 8) -> None:
    """Empty the named queues over a few channels at once: a purge is a broker round trip,
    and seventy of them one after another add up on a busy broker. A queue not declared yet
    has nothing to purge when ``missing_ok`` (the broker closes that channel; another opens)."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:

        async def lane(share: Sequence[str]) -> None:
            channel = await connection.channel()
            for name in share:
                try:
                    await (await channel.get_queue(name, ensure=False)).purge()
                except aio_pika.exceptions.ChannelClosed:
                    if not missing_ok:
                        raise
                    channel = await connection.channel()

        await asyncio.gather(*(lane(names[i::lanes]) for i in range(min(lanes, len(names)))))


@asynccontextmanager
async def running_hub(settings: Settings, *, beside_shared: bool = False
                      ) -> AsyncIterator[Hub]:
    """A hub of the caller's own; the modules' shared hubs stop first, so no two consume the
    same queues, unless ``beside_shared`` (a second worker beside the shared hub, on purpose)."""
    from tests.support.shared_hubs import suspend_shared_hubs

    if not beside_shared:
        await suspend_shared_hubs()
    hub = build_hub(settings)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()


async def dead_letters(amqp_url: str, operation: str) -> list[aio_pika.IncomingMessage]:
    """Take every message out of ``asi.<operation>.dlq``."""
    found = []
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(f"asi.{operation}.dlq", passive=True)
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            found.append(message)
    return found


async def next_message(queue: aio_pika.abc.AbstractQueue,
                       seconds: float = 30.0) -> aio_pika.abc.AbstractIncomingMessage:
    """The next message on ``queue``, taken as it arrives; fails after ``seconds``."""
    for _ in range(int(seconds * 10)):
        if (message := await queue.get(fail=False, no_ack=True)) is not None:
            return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"nothing arrived on {queue.name} in {seconds:g} s")
