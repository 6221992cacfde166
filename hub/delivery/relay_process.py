"""The outbox relay in a process of its own, fed by its worker over a pipe.

With the relay in the worker, the worker's event loop bounded its rate (bench/README.md):
publishing four messages per order with confirms, and recording them as sent, was about a
quarter of its work. By default (``HUB_RELAY_PROCESS``, on), ``hub run`` starts
``python -m hub.delivery.relay_process`` beside itself and hands it what each transaction
committed, so that work runs on the machine's other core. The promises are those of the
in-process relay, because the child *is* that relay (:class:`~hub.delivery.relay.OutboxRelay`),
fed through a pipe instead of a method call:

- a message is handed over only after its transaction committed, and is recorded as sent only
  after the broker confirmed it;
- what the child holds when it dies stays unsent in the outbox, where the sweeper (the next
  child's, or any worker's) publishes it again with the same ``message_id``;
- the worker's units of work wait while more than ``HUB_OUTBOX_BACKLOG`` messages are handed
  over and not yet settled by the child, as they do in-process.

The pipe carries frames of a 4-byte length and a pickle: the worker and its child are the
same program, and the pipe is private to them. The worker writes ``(committed, messages)`` to
the child's standard input after each commit; the child answers on its standard output after
each round with ``(message ids the broker confirmed, how many it gave up on)``, and the worker
records those ids as sent in its own turn at the store (on SQLite, no second process waits
for the writer's lock). A worker that is gone (killed) cannot record: the child then records
what it confirmed itself, and exits when its pipe closes.
"""

import asyncio
import logging
import os
import pickle
import signal
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hub.delivery.relay import record_sent
from hub.store.outbox import OutgoingMessage

if TYPE_CHECKING:
    from hub.settings import Settings

log = logging.getLogger("hub.relay")
_LENGTH = struct.Struct(">I")
# records outbox messages as sent, by message_id
Record = Callable[[list[str]], Awaitable[None]]
# the relay process: this module, run by the worker's own interpreter
CHILD = (sys.executable, "-m", "hub.delivery.relay_process")
# seconds a relay process gets to connect to the store and the broker and say it is ready
_READY_WITHIN = 60.0


class RelayProcess:
    """The worker's side: hands committed messages to the child, records what it confirmed."""

    def __init__(self, record: Record, backlog: int, stop_timeout: float,
                 command: Sequence[str] = CHILD, env: Mapping[str, str] | None = None) -> None:
        self._record = record
        self._command = command
        # the child reads its settings from its environment: the worker's, with what the
        # worker was configured with on top (it may have been given settings in code)
        self._env = dict(env or {})
        self._backlog = backlog
        self._stop_timeout = stop_timeout
        self._process: asyncio.subprocess.Process | None = None
        self._handed = 0
        self._marked = 0
        self._given_up = 0
        # confirmed by the broker, reported by the child, not yet recorded as sent
        self._confirmed: list[str] = []
        self._has_confirmed = asyncio.Event()
        self._has_room = asyncio.Event()
        self._has_room.set()
        self._listener: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._stopping = False
        # the last child has exited and what it said was read: record the rest, then stop
        self._draining = False

    @property
    def settled(self) -> bool:
        """Every message handed over is recorded as sent or left to the sweeper."""
        return self._marked + self._given_up >= self._handed and not self._confirmed

    async def room(self) -> None:
        await self._has_room.wait()

    async def start(self) -> None:
        self._stopping = self._draining = False
        await self._spawn()
        self._recorder = asyncio.create_task(self._record_loop(), name="relay-record")

    async def _spawn(self) -> None:
        process = await asyncio.create_subprocess_exec(
            *self._command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, **self._env})
        assert process.stdout is not None
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), _READY_WITHIN)
        except TimeoutError:
            ready = b""
        if ready.strip() != b"ready":
            if process.returncode is None:
                process.kill()
            await process.wait()
            raise RuntimeError("the outbox relay process did not start (its log says why)")
        # what an earlier child held is the sweeper's now; what it confirmed is still recorded
        self._handed = self._given_up = 0
        self._marked = -len(self._confirmed)
        self._room_check()
        self._process = process
        self._listener = asyncio.create_task(self._listen(process), name="relay-listen")
        log.info("outbox relay runs in process %d", process.pid)

    async def sweep(self) -> int:
        """The child sweeps when it starts and every ``HUB_OUTBOX_SWEEP_SECONDS``."""
        return 0

    def after_commit(self, messages: list[OutgoingMessage]) -> None:
        if not messages:
            return
        process = self._process
        if process is None or process.stdin is None or process.stdin.is_closing():
            # committed and unsent: the child's sweeper publishes them once it is back
            log.warning("outbox relay process is not running; %d message(s) wait for its sweep",
                        len(messages))
            return
        process.stdin.write(frame((time.monotonic(), messages)))
        self._handed += len(messages)
        self._room_check()

    def _room_check(self) -> None:
        if self._handed - self._marked - self._given_up < self._backlog:
            self._has_room.set()
        else:
            self._has_room.clear()

    async def _listen(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for confirmed, given_up in read_frames(process.stdout):
            self._confirmed.extend(confirmed)
            self._given_up = given_up
            self._has_confirmed.set()
            self._room_check()
        code = await process.wait()
        if self._stopping:
            return
        # what it held is unsent in the outbox: a new child's sweeper publishes it again
        log.error("outbox relay process %d exited with %s; starting another", process.pid, code)
        while not self._stopping:
            try:
                await self._spawn()
                return
            except Exception:
                log.exception("outbox relay process did not start; trying again in 1 s")
                await asyncio.sleep(1)

    async def _record_loop(self) -> None:
        """Record what the child reports confirmed, in the worker's own turn at the store."""
        while True:
            if not self._confirmed:
                if self._draining:
                    return
                self._has_confirmed.clear()
                await self._has_confirmed.wait()
                continue
            ids = list(self._confirmed)
            try:
                await self._record(ids)
            except Exception:
                log.exception("recording sent messages failed; trying again")
                await asyncio.sleep(0.5)
                continue
            del self._confirmed[:len(ids)]
            self._marked += len(ids)
            self._room_check()

    async def stop(self, timeout: float | None = None) -> None:
        """Close the pipe: the child publishes what it holds and exits; then record it sent."""
        self._stopping = True
        timeout = timeout or self._stop_timeout
        while True:
            process = self._process
            if process is not None and process.returncode is None:
                assert process.stdin is not None
                process.stdin.close()
                try:
                    await asyncio.wait_for(process.wait(), timeout + 5)
                except TimeoutError:
                    log.warning("outbox relay process did not stop; killing it (the sweeper "
                                "publishes what it held)")
                    process.kill()
                    await process.wait()
            if self._listener is not None:
                # reads what the child said last, to the end of its pipe
                await asyncio.gather(self._listener, return_exceptions=True)
            if self._process is process:
                break  # no replacement started meanwhile
        self._draining = True
        self._has_confirmed.set()
        if self._recorder is not None:
            try:
                await asyncio.wait_for(self._recorder, timeout)
            except TimeoutError:
                log.warning("recording sent messages did not finish; they go out again")


def frame(value: Any) -> bytes:
    """One frame on the pipe: its length, then the pickle."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


async def read_frames(reader: asyncio.StreamReader) -> AsyncIterator[Any]:
    while True:
        try:
            head = await reader.readexactly(_LENGTH.size)
        except asyncio.IncompleteReadError:
            return
        (length,) = _LENGTH.unpack(head)
        yield pickle.loads(await reader.readexactly(length))


async def _child() -> None:
    from faststream.rabbit import RabbitBroker

    from connectors.amqp_publisher import AmqpPublisher
    from hub.delivery.partner_events import PartnerFanOut
    from hub.delivery.relay import OutboxRelay
    from hub.settings import Settings
    from hub.store.database import open_database

    settings = Settings()
    database = open_database(settings.database_url)
    publisher = AmqpPublisher(RabbitBroker(settings.amqp_url, log_level=logging.DEBUG),
                              confirm_timeout=settings.publish_confirm_timeout)
    await publisher.connect()
    out = sys.stdout.buffer
    received = reported = 0
    confirmed: list[str] = []
    worker_gone = False

    async def record(ids: list[str]) -> None:
        if worker_gone:
            await record_sent(database, ids)
        else:
            confirmed.extend(ids)

    async def report() -> None:
        """Tell the worker what the broker confirmed since the last report, and how many
        messages were left to the sweeper; with the worker gone, record them here."""
        nonlocal reported, worker_gone
        ids = list(confirmed)
        confirmed.clear()
        reported += len(ids)
        if not worker_gone:
            # what the relay holds no longer and did not record: left to the sweeper
            given_up = received - reported - relay.in_hand
            try:
                out.write(frame((ids, given_up)))
                out.flush()
                return
            except (BrokenPipeError, ValueError):
                worker_gone = True
                log.warning("the worker is gone; the relay process records what it sent")
        if ids:
            await record_sent(database, ids)

    relay = OutboxRelay(database, publisher.publish, settings.outbox_sweep_seconds,
                        settings.outbox_stale_seconds, backlog=settings.outbox_backlog,
                        copies=PartnerFanOut(database).copies, record=record, on_round=report,
                        retention=settings.outbox_retention)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    await relay.start()
    out.write(b"ready\n")
    out.flush()
    try:
        # what an earlier worker or relay process left unsent goes out now, as in-process
        await relay.sweep()
    except Exception:
        log.exception("outbox sweep at start failed; the sweeper tries again")
    try:
        async for committed, messages in read_frames(reader):
            received += len(messages)
            relay.after_commit(messages, committed)
    finally:
        await relay.stop(timeout=settings.graceful_timeout)
        await report()
        await publisher.broker.stop()
        await database.dispose()


def main() -> None:
    from hub.cli import event_loop_factory
    from hub.operations.logs import configure_logging
    from hub.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    # the worker's Ctrl-C or SIGTERM may reach its whole process group: the child stops when
    # its worker closes the pipe, after the worker's last commit, never before
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(_child())


if __name__ == "__main__":
    main()


# the settings a relay process must share with its worker
_SHARED = ("amqp_url", "database_url", "outbox_sweep_seconds", "outbox_stale_seconds",
           "outbox_backlog", "outbox_retention_days", "publish_confirm_timeout",
           "graceful_timeout", "log_level", "log_format")


def child_environment(settings: "Settings") -> dict[str, str]:
    """What the relay process must share with its worker, as the environment it reads."""
    fields = type(settings).model_fields
    return {(fields[name].alias or name.upper()): str(getattr(settings, name))
            for name in _SHARED}
