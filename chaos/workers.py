"""Hub workers as separate processes, so the suite can kill -9 them like an OOM killer would."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from chaos.rabbit_nodes import free_port

READY = "hub consuming"


@dataclass
class HubWorker:
    """One ``hub run`` process; its log goes to ``log``, one file per start."""

    name: str
    env: dict[str, str]
    logs: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.logs / f"{self.name}.{self.starts}.log"

    def start(self, timeout: float = 120) -> None:
        """Start the worker and wait until it consumes."""
        self.starts += 1
        hub = Path(sys.executable).with_name("hub")
        # each worker its own HTTP port: two workers on one machine must not collide (the
        # SOAP endpoint stays off: it needs a secret key and the suite sends no SOAP)
        self.env = {**self.env, "HUB_HTTP_ADDR": f"127.0.0.1:{free_port()}"}
        self.env.pop("HUB_SOAP_ADDR", None)
        with self.log.open("wb") as output:
            self.process = subprocess.Popen([str(hub), "run"], env=self.env, stdout=output,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while READY not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start in {timeout} s; see {self.log}")
            time.sleep(0.2)

    def kill(self) -> None:
        """kill -9: no drain, no goodbye; unacked deliveries go back to the queue."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM and wait for the drain; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.terminate()


def worker_env(amqp_url: str, database_url: str) -> dict[str, str]:
    """The environment of a hub worker under test: quick sweeps, short drains."""
    return {**os.environ, "AMQP_URL": amqp_url, "DATABASE_URL": database_url,
            "HUB_OUTBOX_SWEEP_SECONDS": "1", "HUB_OUTBOX_STALE_SECONDS": "3",
            "HUB_GRACEFUL_TIMEOUT": "10", "HUB_PARTNER_RECONCILE_SECONDS": "30",
            "HUB_LOG_LEVEL": "INFO"}
