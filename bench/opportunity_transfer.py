"""Opportunity transfers per second through each partner connector kind, beside raw aio-pika
doing the same hop in the same run (``bench/raw_transfer_hop.py``).

Each transfer is a request in, a lead created in the partner's CRM (the SOAP simulator over
loopback HTTP, or the AMQP partner simulator on its own vhost), the reply back. The hub, the
raw hop and both simulators each run in their own process; this process is the load
generator. Usage: ``python -m bench.opportunity_transfer [N]``.
"""

import asyncio
import json
import os
import socket
import sys
import tempfile
import time
import uuid

import aio_pika
from rich.console import Console
from rich.table import Table

from bench.figures import Result
from bench.order_submit import POSTGRES_URL, purge, reset_postgres
from bench.servers import Server
from hub.bootstrap import provision_partner
from hub.canonical.partners import PartnerApproval, PartnerRegistration
from hub.interfaces.partners.registry import approve_partner, register_partner
from hub.interfaces.request import Request
from hub.settings import Settings
from hub.store import migrations
from hub.store.database import open_database
from hub.store.unit_of_work import UnitOfWork
from tests.support.partners import an_opportunity, partner_url

AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
WINDOW = 100  # requests in flight from the generator
SOAP_PARTNER, AMQP_PARTNER = "bench-soap", "bench-amqp"
SOAP_PASSWORD, PARTNER_PASSWORD = "bench-soap-secret", "bench-partner-password"


async def drive(name: str, exchange_name: str, partner_id: str, transfers: int) -> Result:
    """Send ``transfers`` requests, WINDOW at a time, and time each until its reply."""
    connection = await aio_pika.connect_robust(AMQP_URL)
    channel = await connection.channel(publisher_confirms=True)
    replies = await channel.declare_queue(exclusive=True)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    failed = 0
    done = asyncio.Event()

    async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        nonlocal failed
        started = sent.pop(message.correlation_id or "", None)
        if started is None:
            return
        latencies.append(time.perf_counter() - started)
        body = json.loads(message.body)
        status = (body.get("result") or body).get("transfer_status")
        failed += status != "transfer_successful"
        window.release()
        if len(latencies) == transfers:
            done.set()

    await replies.consume(on_reply, no_ack=True)
    exchange = await channel.get_exchange(exchange_name)
    window = asyncio.Semaphore(WINDOW)
    run = uuid.uuid4().hex[:8]
    begin = time.perf_counter()
    for n in range(transfers):
        await window.acquire()
        correlation_id = f"{run}-{n}"
        body = {"opportunity": an_opportunity(f"B-{run}-{n}"), "partner_id": partner_id}
        sent[correlation_id] = time.perf_counter()
        await exchange.publish(aio_pika.Message(
            json.dumps(body).encode(), content_type="application/json",
            message_id=correlation_id, correlation_id=correlation_id, reply_to=replies.name,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key="opportunity.transfer")
    await asyncio.wait_for(done.wait(), timeout=900)
    elapsed = time.perf_counter() - begin
    await connection.close()
    print(f"  {name}: {transfers} in {elapsed:.1f}s", file=sys.stderr, flush=True)
    return Result(name, transfers, elapsed, latencies, failed)


async def enrol(database_url: str, soap_address: str) -> None:
    """Register, approve and provision both bench partners in this database and the broker."""
    await migrations.upgrade(database_url)
    database = open_database(database_url)
    connectors = {SOAP_PARTNER: {"kind": "soap", "address": soap_address, "username": "hub",
                                 "secret_ref": "bench"},
                  AMQP_PARTNER: {"kind": "amqp"}}
    for partner_id, connector in connectors.items():
        registration = PartnerRegistration(partner_id=partner_id, name=partner_id,
                                           connector=connector, accounts=["ACC-42"])
        await register_partner(registration, _request(), UnitOfWork(database, lambda _: None))
        await approve_partner(PartnerApproval(partner_id=partner_id), _request(),
                              UnitOfWork(database, lambda _: None))
    await database.dispose()
    settings = Settings(amqp_url=AMQP_URL, database_url=database_url)
    for partner_id in connectors:
        await provision_partner(settings, partner_id, PARTNER_PASSWORD)


def start_server(command: list[str], env: dict[str, str], ready: str) -> Server:
    """Start a server (its output goes to a file, never a pipe nobody reads) and wait for it."""
    return Server(command, env, ready).start()


def _request() -> Request:
    return Request(operation="bench.enrol", message_id=str(uuid.uuid4()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_raw(kind: str, partner_id: str, extra: list[str], transfers: int) -> Result:
    await purge("bench.raw.transfer")
    server = start_server([sys.executable, "-m", "bench.raw_transfer_hop", kind, partner_id,
                           *extra], dict(os.environ, AMQP_URL=AMQP_URL), "ready")
    try:
        await drive("warm", "bench.raw", partner_id, min(100, transfers))
        return await drive(f"raw aio-pika hop, {kind}", "bench.raw", partner_id, transfers)
    finally:
        server.stop()


async def run_hub(kind: str, partner_id: str, database: str, database_url: str,
                  transfers: int) -> Result:
    await purge("asi.opportunity.transfer", "asi.opportunity.transfer.dlq")
    env = dict(os.environ, AMQP_URL=AMQP_URL, DATABASE_URL=database_url, HUB_LOG_LEVEL="INFO",
               HUB_PARTNER_SECRETS=json.dumps({"bench": SOAP_PASSWORD}))
    env.setdefault("HUB_HTTP_ADDR", "127.0.0.1:0")  # never collide on 8080
    server = start_server([sys.executable, "-m", "hub.cli", "run"], env, "hub consuming")
    try:
        await drive("warm", "hub.asi", partner_id, min(100, transfers))
        return await drive(f"hub, {kind}, {database}", "hub.asi", partner_id, transfers)
    finally:
        server.stop()


def report(results: list[Result]) -> None:
    table = Table(title=f"opportunity.transfer: request in -> lead created at the partner -> "
                        f"reply ({results[0].count} transfers, {WINDOW} in flight)")
    for column in ("path", "transfers/s", "p50 ms", "p99 ms", "vs raw", "failed"):
        table.add_column(column, justify="right" if column != "path" else "left")
    baselines = {r.name.rsplit(", ", 1)[-1]: r.rate for r in results if r.name.startswith("raw")}
    for r in results:
        kind = r.name.split(", ")[1] if r.name.startswith("hub") else r.name.rsplit(", ", 1)[-1]
        table.add_row(r.name, f"{r.rate:,.0f}", f"{r.percentile(0.5):.0f}",
                      f"{r.percentile(0.99):.0f}", f"{r.rate / baselines[kind]:.2f}x",
                      str(r.failed))
    Console().print(table)


async def main(transfers: int) -> None:
    port = free_port()
    soap_address = f"http://127.0.0.1:{port}/crm"
    soap = start_server([sys.executable, "-m", "simulators.soap_crm_simulator", "--port",
                         str(port), "--password", SOAP_PASSWORD], dict(os.environ),
                        "simulator at")
    results = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite_url = f"sqlite:///{folder}/bench.db"
            await enrol(sqlite_url, soap_address)
            amqp = start_server([sys.executable, "-m", "simulators.amqp_crm_simulator",
                                 "--url", partner_url(AMQP_URL, AMQP_PARTNER, PARTNER_PASSWORD),
                                 "--partner", AMQP_PARTNER], dict(os.environ), "ready")
            try:
                results.append(await run_raw("soap", SOAP_PARTNER,
                                             [soap_address, SOAP_PASSWORD], transfers))
                results.append(await run_hub("soap", SOAP_PARTNER, "SQLite", sqlite_url,
                                             transfers))
                await reset_postgres()
                await enrol(POSTGRES_URL, soap_address)
                results.append(await run_hub("soap", SOAP_PARTNER, "PostgreSQL", POSTGRES_URL,
                                             transfers))
                results.append(await run_raw("amqp", AMQP_PARTNER, [], transfers))
                results.append(await run_hub("amqp", AMQP_PARTNER, "SQLite", sqlite_url,
                                             transfers))
                results.append(await run_hub("amqp", AMQP_PARTNER, "PostgreSQL", POSTGRES_URL,
                                             transfers))
            finally:
                amqp.stop()
    finally:
        soap.stop()
    report(results)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
