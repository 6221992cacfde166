"""The worker's side of a relay process: the pipe, the backlog bound, a child that dies.

The child here is a stand-in that confirms whatever it is handed
(``tests/support/echo_relay.py``): what is tested is the worker's accounting, not publishing
(``tests/integration/test_relay_process.py`` runs the real child against RabbitMQ).
"""

import asyncio
import sys

import pytest

from hub.delivery import relay_process
from hub.delivery.relay_process import RelayProcess
from hub.store.outbox import OutgoingMessage

ECHO = (sys.executable, "-m", "tests.support.echo_relay")


def messages(*ids: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(message_id=i, exchange="hub.out", routing_key="billing.order",
                            message_type="t", content_type="application/xml",
                            correlation_id=None, body=b"<x/>") for i in ids]


class Recorded:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.changed = asyncio.Event()

    async def __call__(self, ids: list[str]) -> None:
        self.ids.extend(ids)
        self.changed.set()

    async def until(self, count: int) -> None:
        while len(self.ids) < count:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 30)


async def test_what_the_child_confirms_is_recorded_and_the_relay_settles():
    recorded = Recorded()
    relay = RelayProcess(recorded, backlog=100, stop_timeout=5, command=ECHO)
    await relay.start()
    relay.after_commit(messages("a", "b"))
    relay.after_commit(messages("c"))
    assert not relay.settled
    await recorded.until(3)
    await relay.stop()
    assert recorded.ids == ["a", "b", "c"]
    assert relay.settled


async def test_new_work_waits_while_the_backlog_is_full_and_goes_on_once_confirmed(monkeypatch):
    monkeypatch.setenv("ECHO_HOLD", "4")
    recorded = Recorded()
    relay = RelayProcess(recorded, backlog=3, stop_timeout=5, command=ECHO)
    await relay.start()
    await asyncio.wait_for(relay.room(), 5)
    relay.after_commit(messages("a", "b", "c"))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(relay.room(), 0.3)
    relay.after_commit(messages("d"))  # the child answers once it holds four
    await asyncio.wait_for(relay.room(), 30)
    assert recorded.ids == ["a", "b", "c", "d"]
    await relay.stop()


async def test_a_child_that_dies_is_replaced_and_its_messages_are_left_to_the_sweeper(
        monkeypatch, caplog):
    monkeypatch.setenv("ECHO_DIE", "1")
    recorded = Recorded()
    relay = RelayProcess(recorded, backlog=2, stop_timeout=5, command=ECHO)
    await relay.start()
    relay.after_commit(messages("lost-1", "lost-2"))  # the backlog is full now
    monkeypatch.delenv("ECHO_DIE")  # the next child lives
    # room again only once the replacement is ready: its backlog starts empty, what the dead
    # one held is the sweeper's
    await asyncio.wait_for(relay.room(), 30)
    assert "exited with 1; starting another" in caplog.text
    relay.after_commit(messages("after"))
    await recorded.until(1)
    await relay.stop()
    assert recorded.ids == ["after"]  # never recorded as sent: the sweeper publishes them


async def test_a_child_that_never_says_ready_fails_the_start():
    relay = RelayProcess(Recorded(), backlog=2, stop_timeout=5,
                         command=(sys.executable, "-c", "print('no')"))
    with pytest.raises(RuntimeError, match="did not start"):
        await relay.start()


async def test_a_child_that_hangs_before_ready_is_killed_and_fails_the_start(monkeypatch):
    monkeypatch.setattr(relay_process, "_READY_WITHIN", 0.5)
    relay = RelayProcess(Recorded(), backlog=2, stop_timeout=5,
                         command=(sys.executable, "-c", "import time; time.sleep(600)"))
    with pytest.raises(RuntimeError, match="did not start"):
        await asyncio.wait_for(relay.start(), 30)
