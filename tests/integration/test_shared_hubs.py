"""The shared hub of a test module gives each test what a fresh hub would: the tests that share
one must not see each other's rows, messages or answers (``tests/support/shared_hubs.py``)."""

from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest
from sqlalchemy import text

from hub.client import HubCaller
from tests.support.factories import a_line, an_order
from tests.support.hubs import hub_settings
from tests.support.shared_hubs import SharedHub, shared_hub_on, suspend_shared_hubs

pytestmark = pytest.mark.integration


@pytest.fixture
async def shared(amqp_url: str, database_kind: str, postgres_url: str, sqlite_template: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SharedHub]:
    """A shared hub of this test's own, stopped at the end whatever happened."""
    shared = shared_hub_on(database_kind, postgres_url, sqlite_template, tmp_path_factory,
                           lambda url: hub_settings(amqp_url, url))
    yield shared
    await shared.close()


async def rows(hub, table: str) -> int:  # type: ignore[no-untyped-def]
    async with hub.database.sessions() as session:
        return int(await session.scalar(text(f'SELECT count(*) FROM "{table}"')) or 0)


async def waiting(amqp_url: str, queue: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count or 0


async def test_the_next_test_finds_no_row_no_message_and_no_answer_of_the_last(
    amqp_url: str, shared: SharedHub
):
    first = await shared.acquire()
    async with HubCaller(amqp_url) as caller:
        await caller.listen([("hub.events", "#")])
        reply = await caller.call("order.submit", an_order("ORD-SH1", a_line("1")),
                                  message_id="shared-1")
        assert reply.json()["status"] == "accepted"
        await caller.wait_for("order.accepted", order_id="ORD-SH1")
        # a refused request: its copy waits in the dead-letter queue, which nothing consumes
        refused = await caller.call("order.submit", {"order_id": "ORD-SH2"})
        assert refused.json()["status"] == "rejected"
    assert await rows(first, "orders") > 0 and await rows(first, "outbox") > 0
    assert await waiting(amqp_url, "asi.order.submit.dlq") == 1
    await shared.release()

    second = await shared.acquire()

    assert second is first  # the same hub, not a new one
    assert await waiting(amqp_url, "asi.order.submit.dlq") == 0
    for table in ("order_heads", "orders", "order_lines", "outbox", "inbox"):
        assert await rows(second, table) == 0, table
    async with HubCaller(amqp_url) as caller:
        # the first test's request again, same message id: handled as new here (with the
        # first test's inbox row left, it would be answered from the inbox, storing nothing)
        again = await caller.call("order.submit", an_order("ORD-SH1", a_line("1")),
                                  message_id="shared-1")
        assert again.json()["status"] == "accepted", again.json()
    assert await rows(second, "orders") == 1
    await shared.release()


async def test_a_hub_of_a_tests_own_stops_the_shared_ones(shared: SharedHub):
    first = await shared.acquire()
    await shared.release()

    await suspend_shared_hubs()  # what running_hub and a fresh database_url do first
    again = await shared.acquire()

    assert again is not first
    assert not await first.consumer.ping(0.5)
    await shared.release()

