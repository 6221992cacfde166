"""One chaos scenario: N orders through the hub while workers are killed and the broker restarts.

The orders go out in five batches; while each of the first four is being worked (a third of
it answered, the rest queued or in flight) one fault strikes: kill -9, kill -9, SIGTERM (drain,
then restart), and the broker restarted (on a cluster: one node stopped, and started again,
while the hub stays connected to another). Small and large runs thus see the same story.
Everything runs on private RabbitMQ nodes and a database of its own.
"""

import asyncio
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from chaos.observer import Observer, Report, report
from chaos.rabbit_nodes import PrivateRabbit, private_rabbit
from chaos.workers import HubWorker, worker_env

log = logging.getLogger("chaos")
# no new reply or effect for this long: what is missing is lost (a dead connection is only
# noticed after 3 missed heartbeats, 180 s, so this waits longer than that)
STALL_SECONDS = 300
WINDOW = 200  # requests published ahead of their replies


@dataclass(frozen=True)
class Scenario:
    store: str  # sqlite | postgresql
    workers: int = 1
    cluster: bool = False

    @property
    def name(self) -> str:
        shape = "3-node cluster" if self.cluster else "1 node"
        return f"{self.store}, {self.workers} worker{'s' if self.workers > 1 else ''}, {shape}"


@dataclass
class Outcome:
    scenario: Scenario
    report: Report
    kills: int
    sigterms: int
    broker_restarts: int
    seconds: float


async def run_scenario(scenario: Scenario, orders: int, postgres_url: str) -> Outcome:
    """Run one scenario on its own broker and database, and say what was lost or doubled."""
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    with private_rabbit(3 if scenario.cluster else 1) as rabbit:
        async with _database(scenario.store, work, postgres_url) as database_url:
            # on a cluster the hub lives on the second node; the first will be stopped
            hub_node = rabbit.nodes[1] if scenario.cluster else rabbit.first
            env = worker_env(hub_node.amqp_url, database_url)
            workers = [HubWorker(f"worker{n + 1}", env, work) for n in range(scenario.workers)]
            observer_node = rabbit.nodes[2] if scenario.cluster else rabbit.first
            async with Observer(observer_node.amqp_url) as observer:
                try:
                    for worker in workers:
                        await asyncio.to_thread(worker.start)
                    faults = _Faults(rabbit, workers, scenario.cluster)
                    order_ids = [f"CH-{n:06d}" for n in range(orders)]
                    await _send_through_faults(observer, order_ids, faults)
                finally:
                    for worker in workers:
                        await asyncio.to_thread(worker.stop)
                outcome = report(observer.seen, order_ids)
    log.info("logs of %s kept in %s", scenario.name, work)
    return Outcome(scenario, outcome, faults.kills, faults.sigterms, faults.broker_restarts,
                   time.monotonic() - began)


class _Faults:
    """The fault plan; each fault fires once when its share of replies has arrived."""

    def __init__(self, rabbit: PrivateRabbit, workers: list[HubWorker], cluster: bool) -> None:
        self.rabbit, self.workers, self.cluster = rabbit, workers, cluster
        self.kills = self.sigterms = self.broker_restarts = 0
        self.plan = [self._kill, self._kill, self._sigterm, self._broker]

    def _victim(self) -> HubWorker:
        return self.workers[(self.kills + self.sigterms) % len(self.workers)]

    def _kill(self) -> None:
        worker = self._victim()
        log.warning("kill -9 %s", worker.name)
        worker.kill()
        self.kills += 1
        worker.start()

    def _sigterm(self) -> None:
        worker = self._victim()
        log.warning("SIGTERM %s (drain)", worker.name)
        code = worker.terminate()
        log.warning("%s exited with %s", worker.name, code)
        self.sigterms += 1
        worker.start()

    def _broker(self) -> None:
        if self.cluster:
            # move some quorum leaders onto the node about to die, so leadership must move
            self.rabbit.nodes[1].ctl("rebalance", "quorum", tool="rabbitmq-queues")
            log.warning("stopping %s under load", self.rabbit.first.node)
            self.rabbit.first.stop()
            time.sleep(10)
            self.rabbit.first.start()
        else:
            log.warning("restarting the broker node")
            self.rabbit.first.restart()
        self.broker_restarts += 1


async def _send_through_faults(observer: Observer, order_ids: list[str],
                               faults: _Faults) -> None:
    size = -(-len(order_ids) // (len(faults.plan) + 1))
    batches = [order_ids[n:n + size] for n in range(0, len(order_ids), size)]
    for n, batch in enumerate(batches):
        sending = asyncio.create_task(observer.send_all(batch, WINDOW))
        if n < len(faults.plan):
            answered = sum(len(b) for b in batches[:n]) + len(batch) // 3
            await _until(observer, answered)
            await asyncio.to_thread(faults.plan[n])
        await sending
    await _until(observer, len(order_ids), every_kind=True)


async def _until(observer: Observer, count: int, every_kind: bool = False) -> None:
    """Wait until ``count`` orders were answered (and billed and announced, with every_kind)."""
    last_change, last = time.monotonic(), (-1, -1, -1)
    kinds = ("chaos.replies", "chaos.billing", "chaos.accepted")
    while True:
        now = tuple(observer.seen.complete(kind) for kind in kinds)
        if (min(now) if every_kind else now[0]) >= count:
            return
        if now != last:
            last, last_change = now, time.monotonic()
            log.info("replies %d, billed %d, accepted %d", *now)
        elif time.monotonic() - last_change > STALL_SECONDS:
            log.error("no progress for %d s: counting what is missing as lost", STALL_SECONDS)
            return
        await asyncio.sleep(0.5)


@asynccontextmanager
async def _database(store: str, work: Path, postgres_url: str) -> AsyncIterator[str]:
    if store == "sqlite":
        yield f"sqlite+aiosqlite:///{work / 'hub.db'}"
        return
    name = f"chaos_{os.getpid()}_{int(time.time())}"
    admin = postgres_url.replace("+asyncpg", "")
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        connection = await asyncpg.connect(admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
