"""Orders per second and latency through ``order.submit`` (request in, billing message out),
beside raw aio-pika doing the same hop in the same run. Each server runs in its own process;
this process is the load generator. Usage: ``python -m bench.order_submit [N]``."""

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import aio_pika
from rich.console import Console
from rich.table import Table

from bench.figures import Result
from tests.support.factories import a_line, an_order

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
WINDOW = 200  # requests in flight from the generator


async def drive(name: str, exchange_name: str, orders: int, out_exchange: str) -> Result:
    """Publish ``orders`` requests and time each until its billing message arrives."""
    connection = await aio_pika.connect_robust(AMQP_URL)
    channel = await connection.channel(publisher_confirms=True)
    billing = await channel.declare_queue(exclusive=True)
    await billing.bind(out_exchange, "billing.order")
    replies = await channel.declare_queue(exclusive=True)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()

    async def on_billing(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        started = sent.get(message.correlation_id or "")
        if started is not None:
            latencies.append(time.perf_counter() - started)
            if len(latencies) % max(1, orders // 4) == 0:
                print(f"  {name}: {len(latencies)}/{orders} billed", file=sys.stderr, flush=True)
            if len(latencies) == orders:
                done.set()

    await billing.consume(on_billing, no_ack=True)
    await replies.consume(lambda m: asyncio.sleep(0), no_ack=True)
    exchange = await channel.get_exchange(exchange_name)
    body = an_order(items=[a_line("1"), a_line("2", parent_line_id="1")])
    window = asyncio.Semaphore(WINDOW)
    begin = time.perf_counter()

    async def send(n: int) -> None:
        async with window:
            correlation_id = str(uuid.uuid4())
            payload = body | {"order_id": f"B-{n}-{correlation_id}"}
            sent[correlation_id] = time.perf_counter()
            await exchange.publish(aio_pika.Message(
                __import__("json").dumps(payload).encode(), content_type="application/json",
                message_id=correlation_id, correlation_id=correlation_id,
                reply_to=replies.name, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key="order.submit")
            while len(sent) - len(latencies) > WINDOW:
                await asyncio.sleep(0.001)

    await asyncio.gather(*(send(n) for n in range(orders)))
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.perf_counter() - begin
    await connection.close()
    return Result(name, orders, elapsed, latencies)


def start_server(command: list[str], env: dict[str, str], ready: str) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if ready in line:
            return process
    raise RuntimeError(f"{command} did not start")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=60)


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


async def run_raw(orders: int) -> Result:
    await purge("bench.raw.in")
    process = start_server([sys.executable, "-m", "bench.raw_hop"], dict(os.environ), "ready")
    try:
        await drive("raw", "bench.raw", min(200, orders), "bench.raw")  # warm-up
        return await drive("raw aio-pika hop", "bench.raw", orders, "bench.raw")
    finally:
        stop_server(process)


async def run_hub(orders: int, database: str, database_url: str) -> Result:
    await purge("asi.order.submit", "asi.order.submit.dlq")
    env = dict(os.environ, DATABASE_URL=database_url, HUB_LOG_LEVEL="INFO")
    env.setdefault("HUB_HTTP_ADDR", "127.0.0.1:0")  # never collide on 8080
    process = start_server([sys.executable, "-m", "hub.cli", "run"], env, "hub consuming")
    try:
        await drive("warm", "hub.asi", min(200, orders), "hub.out")
        return await drive(f"hub, {database}", "hub.asi", orders, "hub.out")
    finally:
        stop_server(process)


async def reset_postgres() -> None:
    from tests.support.databases import reset_postgres as reset

    await reset(POSTGRES_URL.replace("postgresql://", "postgresql+asyncpg://"))


def report(results: list[Result]) -> None:
    baseline = results[0].rate
    table = Table(title=f"order.submit: request in -> billing message out ({results[0].count} "
                        "orders, 5 messages out per order, confirms on)")
    for column in ("path", "orders/s", "p50 ms", "p99 ms", "vs raw"):
        table.add_column(column, justify="right" if column != "path" else "left")
    for r in results:
        table.add_row(r.name, f"{r.rate:,.0f}", f"{r.percentile(0.5):.1f}",
                      f"{r.percentile(0.99):.1f}", f"{r.rate / baseline:.2f}x")
    Console().print(table)


async def main(orders: int) -> None:
    results = [await run_raw(orders)]
    with tempfile.TemporaryDirectory() as folder:
        results.append(await run_hub(orders, "SQLite", f"sqlite:///{folder}/bench.db"))
    await reset_postgres()
    results.append(await run_hub(orders, "PostgreSQL", POSTGRES_URL))
    report(results)
    print(f"median latency check: {statistics.median(results[1].latencies) * 1000:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))
