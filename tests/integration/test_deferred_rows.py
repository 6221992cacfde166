"""Rows inserted at commit (`hub/store/deferred.py`) and the heads and e-mails read ahead.

A request's new order rows wait until its batch commits; whatever reads the tables before that
finds them, a request rolled back drops its own rows and never its neighbours', even when a
read of its own inserted them inside its savepoint.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, exists, func, insert, literal, select, text
from sqlalchemy.exc import IntegrityError

from hub.canonical.orders import Order
from hub.store.backoffice_tables import CustomerMailRow
from hub.store.database import Database, open_database
from hub.store.deferred import ReadAhead
from hub.store.group_commit import GroupCommit
from hub.store.repositories import Orders
from hub.store.tables import InboxRow, OrderHeadRow, OrderLineRow, OrderRow, OrderStatusRow
from hub.store.unit_of_work import UnitOfWork
from tests.support.factories import a_line, an_order

pytestmark = pytest.mark.integration


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.dispose()


def order(order_id: str) -> Order:
    return Order.model_validate(an_order(order_id=order_id, items=[
        a_line("1"), a_line("2", parent_line_id="1")]))


async def store_new(uow: UnitOfWork, new: Order) -> None:
    """What accepting a new order writes: head, history, revision, lines, the e-mail record."""
    uow.orders.add_head(new, "acknowledged")
    await uow.orders.add_revision(new, "acknowledged", line_status="acknowledged")
    await uow.after_order.remember_mail(new.order_id, "acknowledged", f"mail-{new.order_id}")


async def committed(database: Database, order_id: str) -> None:
    """A new order stored by a transaction of its own, before the batch under test."""
    async with UnitOfWork(database, lambda _: None) as uow:
        await store_new(uow, order(order_id))
        await uow.commit()


async def counts(database: Database, order_id: str) -> dict[str, int]:
    tables = {"heads": OrderHeadRow, "history": OrderStatusRow, "revisions": OrderRow,
              "lines": OrderLineRow, "mails": CustomerMailRow}
    async with database.sessions() as session:
        return {name: await session.scalar(
            select(func.count()).select_from(table).where(table.order_id == order_id))
            for name, table in tables.items()}


STORED = {"heads": 1, "history": 1, "revisions": 1, "lines": 2, "mails": 1}
NOTHING = dict.fromkeys(STORED, 0)


async def in_one_batch(database: Database, *requests) -> GroupCommit:  # type: ignore[no-untyped-def]
    """Run the requests one after the other as turns of one group-commit batch."""
    group = GroupCommit(database, lambda _: None, max_batch=10, max_wait=1.0)
    await group.start()
    try:
        previous: asyncio.Event | None = None
        tasks = []
        for request in requests:
            done = asyncio.Event()
            tasks.append(asyncio.create_task(_after(previous, request, group, done)))
            previous = done
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
    finally:
        await group.stop()
    return group


def storing(order_id: str):  # type: ignore[no-untyped-def]
    """A request that stores a new order and lets the next one take its turn before it commits."""

    async def request(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order(order_id)
        async with uow:
            await store_new(uow, order(order_id))
            done.set()  # the next request takes its turn while this one waits for the commit
            await uow.commit()

    return request


def status_into(seen: dict[str, str], order_id: str):  # type: ignore[no-untyped-def]
    """A request that reads the order's head as the batch sees it and notes its status."""

    async def request(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order(order_id)
        async with uow:
            head = await uow.orders.head(order_id, lock=True)
            assert head is not None
            seen["status"] = head.status
            await uow.commit()

    return request


async def _after(previous: asyncio.Event | None, request, group: GroupCommit,  # type: ignore[no-untyped-def]
                 done: asyncio.Event) -> None:
    if previous is not None:
        await previous.wait()
    uow = group.unit_of_work()
    try:
        await request(uow, done)
    finally:
        done.set()


async def test_a_crashed_request_that_read_its_neighbours_rows_does_not_lose_them(
    database: Database,
) -> None:
    seen: dict[str, object] = {}

    async def reader_that_crashes(uow: UnitOfWork, done: asyncio.Event) -> None:
        async with uow:
            await store_new(uow, order("O-2"))
            # the read inserts the first request's rows with its own, inside its savepoint
            seen["lines"] = [line.line_id for line in await uow.orders.lines("O-1", 1)]
            raise RuntimeError("crash after reading")

    group = await in_one_batch(database, storing("O-1"), reader_that_crashes)

    assert seen["lines"] == ["1", "2"]
    assert group.batches == 1
    assert await counts(database, "O-1") == STORED
    assert await counts(database, "O-2") == NOTHING


async def test_a_request_rolled_back_drops_only_its_own_rows(database: Database) -> None:
    async def refused(uow: UnitOfWork, done: asyncio.Event) -> None:
        async with uow:
            await store_new(uow, order("O-2"))
            await uow.rollback()  # a refusal: its turn goes on, without its rows
            await uow.after_order.remember_mail("O-1", "refused", "mail-refused")
            await uow.rollback()
            await uow.commit()

    group = await in_one_batch(database, storing("O-1"), refused)

    assert group.batches == 1
    assert await counts(database, "O-1") == STORED
    assert await counts(database, "O-2") == NOTHING


async def test_a_later_request_of_the_batch_sees_the_head_and_mail_an_earlier_one_added(
    database: Database,
) -> None:
    await committed(database, "O-OLD")
    seen: dict[str, object] = {}

    async def adds(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order("O-1")
        async with uow:
            assert await uow.orders.head("O-1") is None  # read ahead: no such order yet
            await store_new(uow, order("O-1"))
            done.set()
            await uow.commit()

    async def resends(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order("O-1")
        async with uow:
            head = await uow.orders.head("O-1", lock=True)
            seen["head"] = None if head is None else (head.order_id, head.status)
            seen["mailed"] = await uow.after_order.mailed("O-1", "acknowledged")
            seen["other topic"] = await uow.after_order.mailed("O-1", "completed")
            done.set()
            await uow.commit()

    async def reads_old(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order("O-OLD")
        async with uow:
            head = await uow.orders.head("O-OLD")
            seen["old head"] = None if head is None else head.status
            seen["old mailed"] = await uow.after_order.mailed("O-OLD", "acknowledged")
            await uow.commit()

    group = await in_one_batch(database, adds, resends, reads_old)

    assert group.batches == 1
    assert seen == {"head": ("O-1", "acknowledged"), "mailed": True, "other topic": False,
                    "old head": "acknowledged", "old mailed": True}
    assert await counts(database, "O-1") == STORED


async def test_a_head_changed_by_a_request_rolled_back_is_read_again(database: Database) -> None:
    await committed(database, "O-1")
    seen: dict[str, str] = {}

    async def changes_then_crashes(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order("O-1")
        async with uow:
            head = await uow.orders.head("O-1", lock=True)
            assert head is not None
            uow.orders.set_status(head, "cancelled")
            await uow.session.flush()
            raise RuntimeError("crash after changing the head")

    await in_one_batch(database, changes_then_crashes, status_into(seen, "O-1"))

    assert seen == {"status": "acknowledged"}
    assert await counts(database, "O-1") == STORED  # the crashed status change left no history


async def test_alone_a_unit_of_work_reads_what_it_added_and_a_rollback_forgets_it(
    database: Database,
) -> None:
    async with UnitOfWork(database, lambda _: None) as uow:
        await store_new(uow, order("O-1"))
        head = await uow.orders.head("O-1")
        lines = await uow.orders.lines("O-1", 1)
        assert head is not None and [line.line_id for line in lines] == ["1", "2"]
        assert await uow.after_order.mailed("O-1", "acknowledged")
        await uow.rollback()
        assert await uow.orders.head("O-1") is None
        assert not await uow.after_order.mailed("O-1", "acknowledged")
        await store_new(uow, order("O-2"))
        await uow.commit()
    assert await counts(database, "O-1") == NOTHING
    assert await counts(database, "O-2") == STORED


async def test_a_request_whose_read_ahead_fails_gets_the_error_and_the_next_one_goes_on(
    database: Database, monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures = [ConnectionError("the database went away")]
    look_up = ReadAhead.look_up

    async def failing_once(self: ReadAhead, session, order_ids):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        await look_up(self, session, order_ids)

    monkeypatch.setattr(ReadAhead, "look_up", failing_once)
    group = GroupCommit(database, lambda _: None, max_batch=10, max_wait=0.05)
    await group.start()
    try:
        uow = group.unit_of_work()
        uow.expect_order("O-1")
        with pytest.raises(ConnectionError, match="went away"):
            await asyncio.wait_for(uow.__aenter__(), 10)  # answered, not left waiting
        again = group.unit_of_work()
        again.expect_order("O-1")
        async with again:
            await store_new(again, order("O-1"))
            await asyncio.wait_for(again.commit(), 10)
    finally:
        await group.stop()
    assert await counts(database, "O-1") == STORED


async def test_any_read_of_the_tables_sees_the_waiting_rows(database: Database) -> None:
    async with UnitOfWork(database, lambda _: None) as uow:
        await store_new(uow, order("O-1"))
        # a statement of another table leaves them waiting ...
        assert await uow.session.scalar(select(func.count()).select_from(InboxRow)) == 0
        assert uow.deferred
        # ... one that names a table in a subquery, or in text SQL, finds them
        in_subquery = await uow.session.scalar(select(literal(1)).where(exists(
            select(OrderHeadRow.order_id).where(OrderHeadRow.order_id == "O-1"))))
        in_text = await uow.session.scalar(
            text("SELECT count(*) FROM order_lines WHERE order_id = 'O-1'"))
        mails = await uow.session.scalar(
            select(func.count()).select_from(CustomerMailRow).where(
                CustomerMailRow.order_id == "O-1"))
        assert (in_subquery, in_text, mails) == (1, 2, 1)
        assert not uow.deferred
        await uow.commit()
    assert await counts(database, "O-1") == STORED


async def test_a_refused_change_never_written_is_forgotten_without_a_savepoint(
    database: Database,
) -> None:
    await committed(database, "O-1")
    seen: dict[str, object] = {}
    statements: list[str] = []

    def record(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    async def changes_then_refuses(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order("O-1")
        async with uow:
            head = await uow.orders.head("O-1", lock=True)
            assert head is not None
            uow.orders.set_status(head, "cancelled")  # changed in memory, never flushed
            await uow.rollback()  # refused
            done.set()
            await uow.commit()

    async def reads(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order("O-1")
        async with uow:
            head = await uow.orders.head("O-1", lock=True)
            seen["status"] = None if head is None else head.status
            await uow.commit()

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        group = await in_one_batch(database, changes_then_refuses, storing("O-2"), reads)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)

    assert group.batches == 1
    assert seen == {"status": "acknowledged"}
    assert "SAVEPOINT" not in statements  # none of them wrote before its commit
    assert await counts(database, "O-1") == STORED  # no history of the refused change
    assert await counts(database, "O-2") == STORED


async def test_a_request_that_wrote_by_statement_then_crashed_leaves_nothing(
    database: Database,
) -> None:
    async def writes_then_crashes(uow: UnitOfWork, done: asyncio.Event) -> None:
        async with uow:
            await uow.session.execute(insert(InboxRow), [{
                "caller": "front-office", "message_id": "never-kept", "operation": "order.get",
                "reply": {}, "created_at": datetime.now(UTC)}])
            raise RuntimeError("crash after writing")

    group = await in_one_batch(database, storing("O-1"), writes_then_crashes)

    assert group.batches == 1
    assert await counts(database, "O-1") == STORED
    async with database.sessions() as session:
        assert await session.get(InboxRow, ("front-office", "never-kept")) is None


async def test_a_change_not_yet_flushed_goes_inside_the_savepoint_a_later_statement_opens(
    database: Database,
) -> None:
    await committed(database, "O-1")
    seen: dict[str, str] = {}

    async def changes_runs_text_then_crashes(uow: UnitOfWork, done: asyncio.Event) -> None:
        uow.expect_order("O-1")
        async with uow:
            head = await uow.orders.head("O-1", lock=True)
            assert head is not None
            uow.orders.set_status(head, "cancelled")  # pending: text SQL does not autoflush
            await uow.session.execute(text("SELECT 1"))  # could write: opens the savepoint
            raise RuntimeError("crash after the statement")

    await in_one_batch(database, changes_runs_text_then_crashes, status_into(seen, "O-1"))

    assert seen == {"status": "acknowledged"}
    assert await counts(database, "O-1") == STORED


async def test_a_session_committed_directly_inserts_what_waits(database: Database) -> None:
    async with database.sessions() as session:
        Orders(session).add_head(order("O-1"), "acknowledged")
        await session.commit()
    assert (await counts(database, "O-1"))["heads"] == 1


async def test_a_batch_that_fails_to_commit_lets_each_request_try_again_alone(
    database: Database,
) -> None:
    outcomes: list[str] = []

    async def retrying(uow: UnitOfWork, done: asyncio.Event, duplicate: bool) -> None:
        for _ in range(3):  # as `exactly_once` does
            try:
                async with uow:
                    if duplicate and not outcomes:
                        # a row another worker committed first: the batch's insert collides
                        uow.deferred.add(OrderHeadRow, {
                            "order_id": "O-1", "account_id": "ACC-42", "current_revision": 1,
                            "status": "acknowledged", "point_of_no_return": False,
                            "pending_revision": None, "submitted_at": datetime.now(UTC),
                            "updated_at": datetime.now(UTC)})
                    elif not duplicate:
                        await store_new(uow, order("O-1"))
                    done.set()
                    await uow.commit()
            except IntegrityError:
                outcomes.append("batch failed")
                continue
            outcomes.append("kept")
            return

    async def first(uow: UnitOfWork, done: asyncio.Event) -> None:
        await retrying(uow, done, duplicate=False)

    async def second(uow: UnitOfWork, done: asyncio.Event) -> None:
        await retrying(uow, done, duplicate=True)

    await in_one_batch(database, first, second)

    assert outcomes.count("kept") == 2, outcomes
    assert "batch failed" in outcomes
    assert await counts(database, "O-1") == STORED
