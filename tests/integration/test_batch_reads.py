"""What a group commit reads once for its whole batch, and readers that take no writer's turn.

The inbox entries of every waiting request come back from one query; catalog products are read
once per batch and forgotten by a write or a rollback, so no request sees a product that was
never committed; a reader on SQLite neither waits for nor holds up the writer.
"""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from hub.canonical.catalog import Product, ProductPrice
from hub.store.database import Database, open_database
from hub.store.group_commit import GroupCommit
from hub.store.repositories import Inbox
from hub.store.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration

CALLER = "front-office"
LONG_ID = "m" * 300  # longer than the column: kept as a digest


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.dispose()


def a_product(code: str, name: str) -> Product:
    return Product(product_code=code, name=name, trackable=True, currency="EUR",
                   price=ProductPrice(one_time=Decimal("1.00"), recurring=Decimal("2.00")))


async def test_one_look_up_answers_every_request_it_asked_for(database: Database) -> None:
    async with UnitOfWork(database, lambda _: None) as uow:
        uow.inbox.remember(CALLER, "m-1", "order.submit", {"status": "accepted"})
        uow.inbox.remember(CALLER, LONG_ID, "order.get", {"status": "ok"})
        await uow.commit()

    async with database.sessions() as session:
        inbox = Inbox(session)
        await inbox.look_up([(CALLER, "m-1"), (CALLER, LONG_ID), (CALLER, "m-new"),
                             ("partner-a", "m-1")])
        assert inbox.looked_up(CALLER, "m-new") and inbox.looked_up(CALLER, LONG_ID)
        assert not inbox.looked_up(CALLER, "m-other")
        # from here on no query runs for those keys: what the look-up read is the answer
        await session.close()
        first, long, new, other_caller = (
            await inbox.find(CALLER, "m-1"), await inbox.find(CALLER, LONG_ID),
            await inbox.find(CALLER, "m-new"), await inbox.find("partner-a", "m-1"))
    assert first is not None and (first.operation, first.reply) == (
        "order.submit", {"status": "accepted"})
    assert long is not None and long.operation == "order.get"
    assert new is None and other_caller is None


async def test_a_batch_never_sees_a_product_write_that_was_rolled_back(
    database: Database,
) -> None:
    async with UnitOfWork(database, lambda _: None) as uow:
        await uow.catalog.upsert([a_product("TV", "Old name")])
        await uow.commit()
    group = GroupCommit(database, lambda _: None, max_batch=10, max_wait=0.5)
    await group.start()
    seen: dict[str, str] = {}
    writer_done = asyncio.Event()

    async def writer() -> None:
        async with group.unit_of_work() as uow:
            seen["before"] = (await uow.catalog.products(["TV"]))["TV"].name
            await uow.catalog.upsert([a_product("TV", "Never kept")])
            seen["written"] = (await uow.catalog.products(["TV"]))["TV"].name
            await uow.rollback()
            seen["after rollback"] = (await uow.catalog.products(["TV"]))["TV"].name
            writer_done.set()
            await uow.commit()

    async def neighbour() -> None:
        await writer_done.wait()
        async with group.unit_of_work() as uow:
            seen["neighbour"] = (await uow.catalog.products(["TV"]))["TV"].name
            await uow.commit()

    try:
        await asyncio.wait_for(asyncio.gather(writer(), neighbour()), 30)
    finally:
        await group.stop()
    assert seen == {"before": "Old name", "written": "Never kept",
                    "after rollback": "Old name", "neighbour": "Old name"}
    assert group.batches == 1  # both requests shared one transaction


async def test_a_reader_neither_waits_for_the_writer_nor_can_commit(database: Database) -> None:
    async with UnitOfWork(database, lambda _: None) as uow:
        uow.inbox.remember(CALLER, "kept", "order.submit", {"status": "accepted"})
        await uow.commit()

    async with UnitOfWork(database, lambda _: None) as writing:
        # the writer holds its turn (and on SQLite the file's write lock) with a change pending
        writing.inbox.remember(CALLER, "pending", "order.submit", {"status": "accepted"})
        await writing.inbox.flush()
        async with UnitOfWork(database, lambda _: None, read_only=True) as reading:
            kept = await asyncio.wait_for(reading.inbox.find(CALLER, "kept"), 10)
            pending = await reading.inbox.find(CALLER, "pending")
            with pytest.raises(RuntimeError, match="read-only"):
                await reading.commit()
        await writing.commit()
    assert kept is not None and pending is None  # it sees only what was committed
    async with UnitOfWork(database, lambda _: None, read_only=True) as reading:
        assert await reading.inbox.find(CALLER, "pending") is not None
