"""The processes a benchmark measures: started, watched (CPU, memory, log) and stopped."""

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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

    def cpu_seconds(self) -> float:
        """User and system CPU of the server and of the processes it started (a hub worker's
        relay process)."""
        return sum(sum(times[:2]) for times in self._each(psutil.Process.cpu_times))

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
