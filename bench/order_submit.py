"""Orders per second, latency and CPU per order through ``order.submit`` (request in, billing
message out), beside raw aio-pika doing the same hop with the same fan-out in the same run.

Each server runs in its own process; this process is the load generator. For each path: a
saturated run (``WINDOW`` requests in flight) gives orders/s and CPU ms per order; a paced run
at half that rate gives p50/p99 latency. The hub also runs with two workers, on SQLite and on
PostgreSQL. A second baseline, FastStream doing the raw hop and nothing else
(``bench/faststream_hop.py``), shows what the framework alone reaches beside raw aio-pika.

On a shared machine one run's ratio moves by a tenth from one run to the next: the machine's
speed drifts within a run. So each hub path is also compared with the raw hop (uvloop) measured
just before it ("vs raw just before"). ``--runs R`` plays the whole set R times, one after the
other, and adds a table of each path's median with every run's ratios beside it.
Usage: ``python -m bench.order_submit [N] [--runs R] [--svg FILE]``.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aio_pika
from rich.console import Console
from rich.table import Table

from bench.chart import cores_svg, rates_svg
from bench.figures import Result
from bench.servers import (
    PARTIES,
    CpuSplit,
    CpuWatch,
    Server,
    hub_server,
    load_average,
    relay_lag,
)
from tests.support.factories import a_line, an_order

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
WINDOW = 200  # requests in flight from the generator in a saturated run
# the outbox published by the worker itself, as before HUB_RELAY_PROCESS (README)
RELAY_IN_WORKER = {"HUB_RELAY_PROCESS": "0"}
# the hub's queue of customer e-mails (bound to hub.out), which its mail connector drains
MAIL_QUEUE = "hub.notifications.email"


@dataclass
class PathFigures:
    """One path's figures: saturated rate, where the CPU went, latency at half rate, relay lag."""

    name: str
    saturated: Result
    # where both cores went during the saturated run, by party
    cores: CpuSplit
    half_rate: Result | None = None
    lag: str = "-"
    load: str = "-"
    # the raw hop (uvloop) measured just before this path: the machine's speed drifts over a
    # run, and a path is compared with the baseline of its own minute too
    paired: float | None = None

    @property
    def cpu_ms(self) -> float:
        """The server's CPU per order (its relay process included)."""
        return self.cores.server


async def drive(name: str, exchange_name: str, orders: int, out_exchange: str,
                rate: float | None = None) -> Result:
    """Publish ``orders`` requests and time each until its billing message arrives.

    Without ``rate`` the generator keeps ``WINDOW`` requests in flight (saturation); with it,
    requests go out at that steady rate whatever the answers do (latency at a given load).
    """
    connection = await aio_pika.connect_robust(AMQP_URL)
    channel = await connection.channel(publisher_confirms=True)
    billing = await channel.declare_queue(exclusive=True)
    await billing.bind(out_exchange, "billing.order")
    replies = await channel.declare_queue(exclusive=True)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()
    in_flight = asyncio.Semaphore(WINDOW)

    async def on_billing(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        started = sent.pop(message.correlation_id or "", None)
        if started is not None:
            latencies.append(time.perf_counter() - started)
            if rate is None:
                in_flight.release()
            if len(latencies) == orders:
                done.set()

    await billing.consume(on_billing, no_ack=True)
    await replies.consume(lambda m: asyncio.sleep(0), no_ack=True)
    exchange = await channel.get_exchange(exchange_name)
    body = an_order(items=[a_line("1"), a_line("2", parent_line_id="1")])

    async def send(n: int) -> None:
        correlation_id = str(uuid.uuid4())
        payload = body | {"order_id": f"B-{n}-{correlation_id}"}
        sent[correlation_id] = time.perf_counter()
        await exchange.publish(aio_pika.Message(
            json.dumps(payload).encode(), content_type="application/json",
            message_id=correlation_id, correlation_id=correlation_id,
            reply_to=replies.name, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key="order.submit")

    begin = time.perf_counter()
    tasks = []
    for n in range(orders):
        if rate is None:
            await in_flight.acquire()
        elif (wait := begin + n / rate - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(send(n)))
    await asyncio.gather(*tasks)
    await asyncio.wait_for(done.wait(), timeout=900)
    elapsed = time.perf_counter() - begin
    await connection.close()
    return Result(name, orders, elapsed, latencies)


async def purge(*queues: str) -> None:
    """Start from empty queues, so no backlog from an earlier run is measured."""
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        for name in queues:
            channel = await connection.channel()
            try:
                await (await channel.declare_queue(name, passive=True)).purge()
            except aio_pika.exceptions.ChannelClosed:
                pass


async def measure(name: str, servers: list[Server], exchange: str, out: str,
                  orders: int, half_rate: bool = True) -> PathFigures:
    """Warm up, then a saturated run (rate, CPU) and a run at half that rate (latency)."""
    load = load_average()
    for server in servers:
        server.start()
    try:
        await drive("warm-up", exchange, min(500, orders), out)
        watch = CpuWatch(servers)
        saturated = await drive(name, exchange, orders, out)
        cores = watch.split(orders)
        half = None
        if half_rate:
            half = await drive(name, exchange, max(200, orders // 2), out,
                               rate=saturated.rate / 2)
    finally:
        logs = [server.stop() for server in servers]
    print(f"  {name}: {saturated.rate:,.0f}/s", file=sys.stderr, flush=True)
    return PathFigures(name, saturated, cores, half,
                       "; ".join(relay_lag(log) for log in logs if "consuming" in log), load)


async def run_raw(orders: int, uvloop: bool = False, half_rate: bool = True) -> PathFigures:
    await purge("bench.raw.in")
    server = Server([sys.executable, "-m", "bench.raw_hop", *(["--uvloop"] if uvloop else [])],
                    dict(os.environ), "ready")
    return await measure("raw aio-pika hop" + (", uvloop" if uvloop else ""), [server],
                         "bench.raw", "bench.raw", orders, half_rate)


async def run_faststream(orders: int) -> PathFigures:
    """FastStream doing the raw hop and nothing else (``bench/faststream_hop.py``): the most a
    service on the hub's framework reaches here, so the hub's own cost reads apart from it."""
    await purge("bench.fs.in")
    server = Server([sys.executable, "-m", "bench.faststream_hop", "--uvloop", "--lean"],
                    dict(os.environ), "ready")
    return await measure("FastStream doing the raw hop", [server], "bench.fs", "bench.fs",
                         orders, half_rate=False)


async def run_hub_paired(orders: int, name: str, database_url: str, workers: int = 1,
                         half_rate: bool = True, **settings: str) -> PathFigures:
    """The raw hop on uvloop (saturated only), then the hub path: each hub path gets a
    baseline measured within the same minute."""
    baseline = await run_raw(orders, uvloop=True, half_rate=False)
    path = await run_hub(orders, name, database_url, workers, half_rate, **settings)
    path.paired = baseline.saturated.rate
    return path


async def run_hub(orders: int, name: str, database_url: str, workers: int = 1,
                  half_rate: bool = True, **settings: str) -> PathFigures:
    # the hub's own copy of events for partners too: a backlog left by an earlier run would
    # be forwarded during this one; and the e-mails, which no mail connector takes here (left,
    # they would pile up in the broker from path to path, thousands per path)
    await purge("asi.order.submit", "asi.order.submit.dlq", "hub.partner.events", MAIL_QUEUE)
    servers = [hub_server(database_url, **settings) for _ in range(workers)]
    try:
        return await measure(name, servers, "hub.asi", "hub.out", orders, half_rate)
    finally:
        await purge(MAIL_QUEUE)


async def reset_postgres() -> None:
    from tests.support.databases import reset_postgres as reset

    await reset(POSTGRES_URL.replace("postgresql://", "postgresql+asyncpg://"))


def report(paths: list[PathFigures]) -> None:
    vs_raw = ratios(paths)
    table = Table(title=f"order.submit: request in -> billing message out "
                        f"({paths[0].saturated.count} orders, 5 messages out per order, "
                        "confirms on)")
    for column in ("path", "orders/s", "vs raw", "vs raw just before", "CPU ms/order",
                   "p50 ms @ half", "p99 ms @ half", "load 1/5 min",
                   "relay lag (commit -> confirmed)"):
        table.add_column(column, justify="left" if column in ("path", "relay lag") else "right")
    for p in paths:
        half = p.half_rate
        table.add_row(p.name, f"{p.saturated.rate:,.0f}", f"{vs_raw[p.name]:.2f}x",
                      "-" if p.paired is None else
                      f"{p.saturated.rate / p.paired:.2f}x (raw {p.paired:,.0f})",
                      f"{p.cpu_ms:.1f}",
                      f"{half.percentile(0.5):.1f}" if half else "-",
                      f"{half.percentile(0.99):.1f}" if half else "-", p.load, p.lag)
    Console(width=200).print(table)


async def one_run(orders: int) -> list[PathFigures]:
    paths = [await run_raw(orders), await run_raw(orders, uvloop=True),
             await run_faststream(orders)]
    paired = run_hub_paired  # each hub path after a raw hop of its own
    with tempfile.TemporaryDirectory() as folder:
        paths.append(await paired(orders, "hub, SQLite", f"sqlite:///{folder}/bench.db"))
    with tempfile.TemporaryDirectory() as folder:
        paths.append(await paired(orders, "hub, SQLite, relay in the worker",
                                  f"sqlite:///{folder}/bench.db", **RELAY_IN_WORKER))
    with tempfile.TemporaryDirectory() as folder:
        # two `hub run` processes on one SQLite file: BEGIN IMMEDIATE takes turns at the lock
        paths.append(await paired(orders, "hub, SQLite, 2 workers",
                                  f"sqlite:///{folder}/bench.db", workers=2, half_rate=False))
    await reset_postgres()
    paths.append(await paired(orders, "hub, PostgreSQL", POSTGRES_URL))
    await reset_postgres()
    paths.append(await paired(orders, "hub, PostgreSQL, relay in the worker", POSTGRES_URL,
                              **RELAY_IN_WORKER))
    await reset_postgres()
    paths.append(await paired(orders, "hub, PostgreSQL, 2 workers", POSTGRES_URL, workers=2,
                              half_rate=False))
    report(paths)
    report_cores([paths])
    return paths


def report_cores(runs: list[list[PathFigures]]) -> None:
    """Where both cores went in the saturated runs: CPU ms per order by party (the median
    over the runs), and how busy the machine was."""
    table = Table(title="order.submit: where the two cores went (CPU ms per order, saturated; "
                        f"median of {len(runs)} run(s))")
    for column in ("path", "server", "its relay process", "broker", "PostgreSQL",
                   "load generator", "rest of the machine", "all", "machine busy"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for name, cores in median_cores(runs):
        table.add_row(name, *(f"{cores[part]:.2f}" if part in cores else "-"
                              for part in (*PARTIES, "other", "all")),
                      f"{100 * cores['busy']:.0f} %")
    Console(width=200).print(table)


def median_cores(runs: list[list[PathFigures]]) -> list[tuple[str, dict[str, float]]]:
    """Each path's CPU split, every part the median over the runs that measured it."""
    found = []
    for n, path in enumerate(runs[0]):
        splits = [paths[n].cores for paths in runs]
        cores = {part: statistics.median(s.parts[part] for s in splits if part in s.parts)
                 for part in PARTIES if any(part in s.parts for s in splits)}
        cores |= {"other": statistics.median(s.other for s in splits),
                  "all": statistics.median(s.total for s in splits),
                  "busy": statistics.median(s.busy for s in splits)}
        found.append((path.name, cores))
    return found


def ratios(paths: list[PathFigures]) -> dict[str, float]:
    """Each path's rate over the faster raw hop's, in one run (the hub runs on uvloop, and is
    measured against the best)."""
    baseline = max(p.saturated.rate for p in paths if p.name.startswith("raw"))
    return {p.name: p.saturated.rate / baseline for p in paths}


def report_runs(runs: list[list[PathFigures]]) -> None:
    """The median of each path over the runs, and every run's ratio."""
    table = Table(title=f"order.submit over {len(runs)} runs: the median of each path")
    for column in ("path", "orders/s", "vs raw", "ratio in each run", "vs raw just before",
                   "in each run", "CPU ms/order"):
        table.add_column(column, justify="left" if column == "path" else "right")
    each = [ratios(paths) for paths in runs]
    for n, path in enumerate(runs[0]):
        taken = [paths[n] for paths in runs]
        paired = [p.saturated.rate / p.paired for p in taken if p.paired]
        table.add_row(
            path.name, f"{statistics.median(p.saturated.rate for p in taken):,.0f}",
            f"{statistics.median(r[path.name] for r in each):.2f}x",
            " ".join(f"{r[path.name]:.2f}" for r in each),
            f"{statistics.median(paired):.2f}x" if paired else "-",
            " ".join(f"{r:.2f}" for r in paired) or "-",
            f"{statistics.median(p.cpu_ms for p in taken):.1f}")
    Console(width=200).print(table)


def chart(runs: list[list[PathFigures]], out: Path) -> None:
    """The runs as a picture: each path's rates and its ratio as the table gives it (the
    median of each run's ratio to that run's faster raw hop), beside the raw hop."""
    each = [ratios(paths) for paths in runs]
    baseline = statistics.median(max(p.saturated.rate for p in paths if p.name.startswith("raw"))
                                 for paths in runs)
    rows = [(path.name, [paths[n].saturated.rate for paths in runs],
             statistics.median(r[path.name] for r in each))
            for n, path in enumerate(runs[0])]
    out.write_text(rates_svg(f"order.submit, {runs[0][0].saturated.count} orders, "
                             f"{len(runs)} run(s)", rows, baseline,
                             baselines={p.name for p in runs[0] if not p.name.startswith("hub")}))
    print(f"wrote {out}", file=sys.stderr)


def cores_chart(runs: list[list[PathFigures]], out: Path) -> None:
    """Where both cores went, path by path, as stacked bars."""
    rows = [(name, [(part, cores[part]) for part in (*PARTIES, "other") if part in cores],
             cores["busy"]) for name, cores in median_cores(runs)]
    out.write_text(cores_svg(f"order.submit: CPU per order by party, median of {len(runs)} "
                             "run(s), saturated", rows))
    print(f"wrote {out}", file=sys.stderr)


async def main(orders: int, runs: int, svg: Path | None = None) -> None:
    done = []
    for run in range(runs):
        if runs > 1:
            print(f"run {run + 1} of {runs}", file=sys.stderr, flush=True)
        done.append(await one_run(orders))
    if runs > 1:
        report_runs(done)
        report_cores(done)
    if svg is not None:
        chart(done, svg)
        cores_chart(done, svg.with_name(f"{svg.stem}_cores.svg"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="order.submit through the hub beside the raw aio-pika hop, in one run")
    parser.add_argument("orders", nargs="?", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=1, help="play the whole set this many times")
    parser.add_argument("--svg", type=Path, help="also draw the runs into this SVG file")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.orders, arguments.runs, arguments.svg))
