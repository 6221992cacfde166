"""Run the hub against the local broker with a fresh SQLite store and play the scenarios."""

import asyncio
import logging
import os
import secrets
import sys
from pathlib import Path

import aio_pika

from demo import (
    backoffice_story,
    commerce_story,
    lifecycle_story,
    orders_story,
    partner_story,
    show,
    soap_inbound_story,
)
from demo.simulators import Billing, CustomerInbox, Provisioning
from hub.bootstrap import build_hub
from hub.client import HubCaller
from hub.sealed_secrets import new_key
from hub.settings import Settings
from simulators.backoffice import BackOfficeSimulator
from simulators.soap_crm_simulator import start_simulator

STORE = Path("demo.db")


async def main() -> None:
    for leftover in STORE.parent.glob(f"{STORE.name}*"):
        leftover.unlink()
    inbox = CustomerInbox.start()
    crm_password = secrets.token_urlsafe(16)
    crm_runner, crm_url, crm = await start_simulator(username="hub", password=crm_password)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{STORE.resolve()}",
                        SMTP_URL=inbox.smtp_url, HUB_PARTNER_SECRETS={"comtel": crm_password},
                        HUB_SOAP_ADDR="127.0.0.1:0", HUB_SECRET_KEY=new_key(),
                        # one process, so the whole hub's log stays in demo.log
                        HUB_RELAY_PROCESS=False,
                        # a free port unless told: the demo must not fail on a busy 8080
                        HUB_HTTP_ADDR=os.environ.get("HUB_HTTP_ADDR", "127.0.0.1:0"))
    logging.basicConfig(filename="demo.log", level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    show.console.print(f"[bold]Order Hub demo[/]: broker {settings.amqp_url.split('@')[-1]}, "
                       f"store {STORE} (SQLite), hub log in demo.log\n")
    await _empty_asi_queues(settings.amqp_url)
    hub = build_hub(settings)
    await hub.start()
    show.console.print(f"operations console, health and metrics: {hub.http.url}\n")
    try:
        async with (HubCaller(settings.amqp_url) as caller,
                    BackOfficeSimulator(settings.amqp_url,
                                        backoffice_story.telemedia_back_office())):
            await caller.listen([("hub.events", "#"), ("hub.out", "#")])
            billing, provisioning = Billing(caller), Provisioning(caller)
            await backoffice_story.order_entry_checks(caller)
            await orders_story.order_to_activation(caller, billing, inbox)
            await backoffice_story.shipped_and_installation(caller, inbox)
            await orders_story.revision_and_assets(caller, billing, provisioning)
            await orders_story.delta_order(caller, billing, provisioning)
            await lifecycle_story.held_revision_rejected(caller, billing, provisioning)
            await partner_story.comtel_over_soap(caller, crm, crm_url)
            await partner_story.northwind_over_amqp(caller, hub)
            await soap_inbound_story.comtel_calls_the_hub(caller, hub)
            await commerce_story.comtel_orders_for_its_customers(caller, hub, billing,
                                                                provisioning)
            _summary(caller, billing)
    finally:
        await hub.stop()
        inbox.stop()
        await crm_runner.cleanup()
    show.console.print("\n[bold green]demo finished[/]: the hub stopped cleanly.")


async def _empty_asi_queues(amqp_url: str) -> None:
    """Start the story from empty queues: an earlier run may have left dead letters."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        for name in ("asi.order.submit", "asi.order.submit.dlq", "hub.notifications.email",
                     "asi.payment.authorize.dlq"):
            channel = await connection.channel()
            try:
                await (await channel.declare_queue(name, passive=True)).purge()
            except aio_pika.exceptions.ChannelClosed:
                pass


def _summary(caller: HubCaller, billing: Billing) -> None:
    show.chapter("What happened", "Every message the hub published in this run, by key.")
    counts: dict[str, int] = {}
    for message in caller.seen:
        counts[message.routing_key] = counts.get(message.routing_key, 0) + 1
    for key, count in sorted(counts.items()):
        show.console.print(f"  {key:32} {count}")
    show.console.print(f"  billing documents valid against their XSD: "
                       f"{len(billing.documents('billing.order'))} orders, "
                       f"{len(billing.documents('billing.asset'))} asset changes")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
