"""Private RabbitMQ nodes on this machine: started, restarted, clustered and removed by us.

Each node has its own name, AMQP and distribution ports, data and log directories, config
and Erlang cookie (a directory of our own as ``HOME``), so nothing here can reach or stop a
broker someone else runs: ``rabbitmqctl`` with our cookie is refused by every other node.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# Debian's wrappers in /usr/sbin switch to the rabbitmq user and its cookie; the real scripts do not
_DEBIAN_SCRIPTS = Path("/usr/lib/rabbitmq/bin")
_CONFIG = """\
listeners.tcp.1 = 127.0.0.1:{port}
loopback_users = none
log.console = false
log.file.level = warning
disk_free_limit.absolute = 50MB
"""


class NodeFailed(RuntimeError):
    """A private node did not do what it was asked; the message has the command's output."""


def _script(name: str) -> str:
    if (_DEBIAN_SCRIPTS / name).exists():
        return str(_DEBIAN_SCRIPTS / name)
    if found := shutil.which(name):
        return found
    raise NodeFailed(f"{name} is not installed: install rabbitmq-server to run the chaos suite")


@dataclass
class RabbitNode:
    """One private node; ``home`` holds the cookie it shares with its cluster."""

    name: str
    port: int
    dist_port: int
    home: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def node(self) -> str:
        return f"{self.name}@localhost"

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def directory(self) -> Path:
        return self.home / self.name

    def env(self) -> dict[str, str]:
        base = self.directory
        return {**os.environ, "HOME": str(self.home), "RABBITMQ_NODENAME": self.node,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
                "RABBITMQ_LOG_BASE": str(base / "log"),
                "RABBITMQ_PID_FILE": str(base / "node.pid"),
                "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
                # the machine's rabbitmq-env.conf names the shared node: never read it
                "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
                "ERL_EPMD_ADDRESS": "127.0.0.1",
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}"}

    def start(self, timeout: float = 120) -> None:
        """Start the node (keeping its data) and wait until it serves AMQP."""
        base = self.directory
        for sub in ("mnesia", "log"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        (base / "rabbitmq.conf").write_text(_CONFIG.format(port=self.port))
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq-env.conf").write_text("")
        (base / "node.pid").unlink(missing_ok=True)
        output = (base / "log" / "console.log").open("ab")
        self.process = subprocess.Popen([_script("rabbitmq-server")], env=self.env(),
                                        stdout=output, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        output.close()
        self.ctl("wait", str(base / "node.pid"), "--timeout", str(int(timeout)),
                 timeout=timeout + 10)
        self.ctl("await_startup", timeout=timeout)

    def stop(self, timeout: float = 60) -> None:
        """Stop the node cleanly, or kill it when it does not stop in time."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.ctl("stop", timeout=timeout)
                self.process.wait(timeout)
            except (NodeFailed, subprocess.TimeoutExpired):
                self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL the node's whole process group (the Erlang VM and its helpers)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(30)

    def restart_app(self) -> None:
        """``stop_app`` then ``start_app``: every client is cut, queues and messages stay."""
        self.ctl("stop_app")
        self.ctl("start_app")
        self.ctl("await_startup")

    def restart(self) -> None:
        """Stop the whole node and start it again on the same data."""
        self.stop()
        self.start()

    def ctl(self, *args: str, timeout: float = 120, tool: str = "rabbitmqctl") -> str:
        """Run ``rabbitmqctl -n <this node>`` (or another CLI tool); raise on failure."""
        try:
            done = subprocess.run([_script(tool), "-n", self.node, *args],
                                  env=self.env(), capture_output=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as expired:
            raise NodeFailed(f"rabbitmqctl {' '.join(args)} on {self.node} timed out") from expired
        if done.returncode != 0:
            raise NodeFailed(f"rabbitmqctl {' '.join(args)} on {self.node} failed: "
                             f"{(done.stdout + done.stderr).decode(errors='replace')[-2000:]}")
        return done.stdout.decode(errors="replace")


@dataclass
class PrivateRabbit:
    """One node or a cluster of several, all under one temporary directory."""

    nodes: list[RabbitNode]
    home: Path

    @property
    def first(self) -> RabbitNode:
        return self.nodes[0]

    def stop(self) -> None:
        for node in reversed(self.nodes):
            try:
                node.stop()
            except Exception:  # noqa: BLE001 - a node that will not stop is killed
                node.kill()


def _write_cookie(home: Path) -> None:
    cookie = home / ".erlang.cookie"
    cookie.write_text(secrets.token_hex(20))
    cookie.chmod(0o400)


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def private_rabbit(size: int = 1, prefix: str = "chaos") -> Iterator[PrivateRabbit]:
    """``size`` private nodes clustered together, removed with their data on the way out."""
    home = Path(tempfile.mkdtemp(prefix=f"{prefix}-rabbit-"))
    _write_cookie(home)
    tag = f"{prefix}{os.getpid()}"
    nodes = [RabbitNode(f"{tag}n{n + 1}", free_port(), free_port(), home) for n in range(size)]
    rabbit = PrivateRabbit(nodes, home)
    try:
        for node in nodes:
            node.start()
        for node in nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", nodes[0].node)
            node.ctl("start_app")
            node.ctl("await_startup")
        yield rabbit
    finally:
        rabbit.stop()
        shutil.rmtree(home, ignore_errors=True)


def wait_until_serving(node: RabbitNode, timeout: float = 60) -> None:
    """Block until ``node`` answers ``await_startup`` (after a restart elsewhere)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            node.ctl("await_startup", timeout=30)
            return
        except NodeFailed:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
