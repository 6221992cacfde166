"""Back-office checks per second through the hub (``credit.check`` forwarded on ``hub.out`` and
answered from the back office's reply), beside raw aio-pika doing the same request-reply hop in
the same run. The back office answers each request after ``DELAY`` seconds, so throughput is
bounded by how many calls wait at once; the simulator records the most it held at one time.
Usage: ``python -m bench.backoffice [N]``."""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import aio_pika
from rich.console import Console
from rich.table import Table

from bench.figures import Result
from simulators.backoffice import BackOfficeSimulator

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
WINDOW = 250  # calls in flight from the generator
DELAY = 0.5  # seconds the back office takes to answer


async def drive(name: str, exchange_name: str, calls: int) -> Result:
    """Make ``calls`` credit checks, ``WINDOW`` at a time, timing each until its reply."""
    connection = await aio_pika.connect_robust(AMQP_URL)
    channel = await connection.channel(publisher_confirms=True)
    replies = await channel.declare_queue(exclusive=True)
    waiting: dict[str, asyncio.Future[bytes]] = {}

    async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        future = waiting.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message.body)

    await replies.consume(on_reply, no_ack=True)
    exchange = await channel.get_exchange(exchange_name)
    window = asyncio.Semaphore(WINDOW)
    latencies: list[float] = []
    failed = 0
    body = json.dumps({"account_id": "ACC-42", "amount": "100.00", "currency": "EUR"}).encode()

    async def call() -> None:
        nonlocal failed
        async with window:
            correlation_id = uuid.uuid4().hex
            future = asyncio.get_running_loop().create_future()
            waiting[correlation_id] = future
            started = time.perf_counter()
            await exchange.publish(aio_pika.Message(
                body, content_type="application/json", message_id=correlation_id,
                correlation_id=correlation_id, reply_to=replies.name,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key="credit.check")
            answer = json.loads(await asyncio.wait_for(future, 120))
            latencies.append(time.perf_counter() - started)
            if answer.get("status") == "rejected":
                failed += 1

    begin = time.perf_counter()
    await asyncio.gather(*(call() for _ in range(calls)))
    seconds = time.perf_counter() - begin
    await connection.close()
    return Result(name, calls, seconds, latencies, failed)


def start(command: list[str], env: dict[str, str], ready: str) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:  # type: ignore[union-attr]
        if ready in line:
            # keep reading, so a chatty server never blocks on a full pipe
            threading.Thread(target=process.stdout.read, daemon=True).start()  # type: ignore[union-attr]
            return process
    raise RuntimeError(f"{command} did not start")


async def measure(name: str, server: list[str], env: dict[str, str], ready: str,
                  exchange: str, calls: int) -> tuple[Result, int]:
    async with BackOfficeSimulator(AMQP_URL, queue=f"bench.backoffice.{uuid.uuid4().hex}"
                                   ) as back_office:
        back_office.delay = DELAY
        process = start(server, env, ready)
        try:
            await drive(name, exchange, 50)  # warm-up
            back_office.peak_busy = 0
            return await drive(name, exchange, calls), back_office.peak_busy
        finally:
            process.terminate()
            process.wait()


async def main(calls: int) -> None:
    env = {**os.environ, "AMQP_URL": AMQP_URL, "PYTHONUNBUFFERED": "1"}
    runs = [await measure("raw aio-pika request-reply hop",
                          [sys.executable, "-m", "bench.raw_backoffice_hop", "256"], env,
                          "ready", "bench.raw", calls)]
    with tempfile.TemporaryDirectory() as scratch:
        hub_env = env | {"DATABASE_URL": f"sqlite+aiosqlite:///{scratch}/bench.db",
                         "HUB_LOG_LEVEL": "INFO", "HUB_HTTP_ADDR": "127.0.0.1:0"}
        runs.append(await measure("hub, SQLite", [sys.executable, "-m", "hub.cli", "run"],
                                  hub_env, "hub consuming", "hub.asi", calls))
    table = Table(title=f"credit.check, {calls} calls, {WINDOW} in flight, back office "
                  f"answers after {DELAY * 1000:.0f} ms")
    for column in ("path", "calls/s", "p50 ms", "p99 ms", "most waiting at once", "rejected"):
        table.add_column(column, justify="right")
    for result, peak in runs:
        table.add_row(result.name, f"{result.rate:.0f}", f"{result.percentile(0.5):.0f}",
                      f"{result.percentile(0.99):.0f}", str(peak), str(result.failed))
    Console().print(table)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
