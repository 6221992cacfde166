"""The processes a benchmark measures: started, watched (CPU, memory, log) and stopped."""

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil

T = TypeVar("T")
LAG = re.compile(r"outbox relay lag \(commit -> confirmed\): (.*)")


@dataclass
class Server:
    """One server process with its output in a file (a pipe nobody reads would stall it)."""

    command: list[str]
    env: dict[str, str]
    ready: str
    process: subprocess.Popen | None = None
    log: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))

    def start(self, timeout: float = 120) -> "Server":
        with self.log.open("w") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        while self.ready not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.command} did not start:\n{self.log.read_text()}")
            time.sleep(0.1)
        return self

    def rss_bytes(self) -> int:
        """Resident memory of the server and of the processes it started."""
        return sum(memory.rss for memory in self._each(psutil.Process.memory_info))

    def _each(self, read: Callable[[psutil.Process], T]) -> list[T]:
        """``read`` of the server and of each process it started that is still there."""
        assert self.process is not None
        server = psutil.Process(self.process.pid)
        found = []
        for process in (server, *server.children(recursive=True)):
            with contextlib.suppress(psutil.NoSuchProcess):
                found.append(read(process))
        return found

    def stop(self) -> str:
        """SIGTERM, wait, and return what the server logged."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=120)
        text = self.log.read_text()
        self.log.unlink(missing_ok=True)
        return text


# the parties whose CPU a benchmark reads, in the order its tables and pictures give them
PARTIES = ("server", "started by the server", "broker", "PostgreSQL", "load generator")
# processes found by name on this machine: RabbitMQ's Erlang VM, PostgreSQL's server and backends
BROKER_PROCESS = "beam.smp"
POSTGRES_PROCESS = "postgres"


@dataclass(frozen=True)
class CpuSplit:
    """Where the machine's CPU went during a run, in ms per request, and how busy it was.

    ``parts`` are the server's own process, the processes it started (a hub worker's relay),
    the broker and PostgreSQL when they run on this machine (absent otherwise), and the load
    generator (this process); ``other`` is what the rest of the machine spent.
    """

    parts: dict[str, float]
    other: float
    busy: float  # share of both cores' time that was not idle

    @property
    def total(self) -> float:
        return sum(self.parts.values()) + self.other

    @property
    def server(self) -> float:
        """The server's own process and those it started."""
        return self.parts["server"] + self.parts.get("started by the server", 0.0)


class CpuWatch:
    """Reads, from before a run to after it, the CPU of each party to a benchmark.

    A process is read by pid, so a PostgreSQL backend that started during the run counts
    from zero; one that ended during it is not counted (the benchmark's connections are open
    from the warm-up to the end).
    """

    def __init__(self, servers: Sequence[Server]) -> None:
        self._servers = servers
        self._start = self._read()

    def _read(self) -> tuple[dict[str, dict[int, float]], float, float]:
        """Each party's CPU seconds by pid; the machine's busy and total seconds."""
        groups: dict[str, dict[int, float]] = {party: {} for party in PARTIES}
        for server in self._servers:
            assert server.process is not None
            top = psutil.Process(server.process.pid)
            _note(groups["server"], top)
            for child in top.children(recursive=True):
                _note(groups["started by the server"], child)
        for process in psutil.process_iter(["name"]):
            name = process.info["name"] or ""
            if name == BROKER_PROCESS:
                _note(groups["broker"], process)
            elif name.startswith(POSTGRES_PROCESS):
                _note(groups["PostgreSQL"], process)
        _note(groups["load generator"], psutil.Process())
        machine = psutil.cpu_times()
        # both cores' time, counted once: Linux counts a guest's time in ``user`` too
        total = sum(machine) - getattr(machine, "guest", 0.0) - getattr(machine, "guest_nice", 0.0)
        return groups, total - machine.idle - machine.iowait, total

    def split(self, requests: int) -> CpuSplit:
        """Milliseconds of CPU per request since this watch was made, by party."""
        (before, busy_before, total_before), (after, busy_after, total_after) = (
            self._start, self._read())
        parts = {}
        for group, now in after.items():
            if now:
                spent = sum(cpu - before[group].get(pid, 0.0) for pid, cpu in now.items())
                parts[group] = spent * 1000 / requests
        busy, total = busy_after - busy_before, total_after - total_before
        return CpuSplit(parts, max(0.0, busy * 1000 / requests - sum(parts.values())),
                        busy / total if total else 0.0)


def _note(into: dict[int, float], process: psutil.Process) -> None:
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        times = process.cpu_times()
        into[process.pid] = times.user + times.system


def hub_server(database_url: str, **settings: str) -> Server:
    env = dict(os.environ, DATABASE_URL=database_url, HUB_LOG_LEVEL="INFO", **settings)
    env.setdefault("HUB_HTTP_ADDR", "127.0.0.1:0")  # never collide on 8080
    return Server([sys.executable, "-m", "hub.cli", "run"], env, "hub consuming")


def relay_lag(log: str) -> str:
    """The relay's own account of its lag, logged when it stops."""
    found = LAG.findall(log)
    return found[-1] if found else "not logged"


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"
