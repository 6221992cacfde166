"""Re-running `hub partner provision` on a partner provisioned by an older hub: it gains the
ordering channel (keys, queues, partner.events) and loses nothing waiting in its queues."""

import asyncio
import re
import subprocess

import aio_pika
import pytest
from faststream.rabbit import QueueType, RabbitBroker, RabbitQueue
from typer.testing import CliRunner, Result

from connectors.rabbitmq_admin import PartnerAccess, grant, partner_access, revoke
from hub.cli import app
from hub.delivery.partner_topology import (
    INBOUND_QUEUE,
    REPLIES_QUEUE,
    TO_PARTNER,
    Permissions,
    vhost_of,
    vhost_url,
)
from hub.delivery.topology import ASI, DLX, QueuePolicy
from hub.settings import Settings
from tests.support.namespace import NAMESPACE
from tests.support.partners import partner_url

pytestmark = pytest.mark.integration
OLD_PARTNER = f"t-old{NAMESPACE}"
OLD_OPERATIONS = ("opportunity.transfer", "opportunity.update", "opportunity.query")
# what the first partner channel granted: leads only, two queues to read
OLD_PERMISSIONS = Permissions(
    configure="^$", write=r"^hub\.asi$", read=r"^(partner\.replies|partner\.inbound)$",
    topic_exchange="hub.asi",
    topic_write="^(" + "|".join(re.escape(op) for op in OLD_OPERATIONS)
                + r"|lead\.reply\.[A-Za-z0-9-]+)$",
    topic_read="^$")


async def test_reprovisioning_upgrades_a_partner_and_keeps_what_waits_in_its_queues(
    tmp_path, monkeypatch, amqp_url
):
    settings = Settings(amqp_url=amqp_url)
    access = partner_access(settings, OLD_PARTNER)
    await revoke(access)
    try:
        await provision_as_the_old_hub_did(settings, access)
        await leave_waiting(amqp_url, {"asi.opportunity.transfer": b'{"lead": {}}',
                                       REPLIES_QUEUE: b'{"status": "ok"}'})
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
        monkeypatch.setenv("AMQP_URL", amqp_url)
        await hub_command("partner", "register", OLD_PARTNER, "--name", "Old partner")

        upgraded = await hub_command("partner", "provision", OLD_PARTNER, "--keep-password")

        assert upgraded.exit_code == 0, upgraded.output
        assert "password unchanged" in upgraded.output
        assert await waiting(amqp_url, "asi.opportunity.transfer", REPLIES_QUEUE,
                             "asi.order.submit", "asi.catalog.query", "partner.events") == {
            "asi.opportunity.transfer": 1, REPLIES_QUEUE: 1, "asi.order.submit": 0,
            "asi.catalog.query": 0, "partner.events": 0}
        assert rabbitmqctl("list_user_permissions", OLD_PARTNER).split()[-1] == (
            r"^(partner\.replies|partner\.inbound|partner\.events)$")
        await publish_as_the_partner(amqp_url, "order.submit")  # the broker now lets it
    finally:
        await revoke(access)


async def provision_as_the_old_hub_did(settings: Settings, access: PartnerAccess) -> None:
    await grant(PartnerAccess(access.vhost, access.username, OLD_PERMISSIONS,
                              access.admin_username), "old-password")
    broker = RabbitBroker(vhost_url(settings.amqp_url, access.vhost))
    policy = QueuePolicy(quorum=True)
    try:
        await broker.connect()
        asi, dlx = await broker.declare_exchange(ASI), await broker.declare_exchange(DLX)
        await broker.declare_exchange(TO_PARTNER)
        for operation in OLD_OPERATIONS:
            dlq = await broker.declare_queue(policy.dead_letter_queue(operation))
            await dlq.bind(dlx, routing_key=f"asi.{operation}")
            queue = await broker.declare_queue(policy.asi_queue(operation))
            await queue.bind(asi, routing_key=operation)
        for name in (REPLIES_QUEUE, INBOUND_QUEUE):
            await broker.declare_queue(RabbitQueue(name, durable=True,
                                                   queue_type=QueueType.QUORUM))
    finally:
        await broker.stop()


async def leave_waiting(amqp_url: str, messages: dict[str, bytes]) -> None:
    connection = await aio_pika.connect(vhost_url(amqp_url, vhost_of(OLD_PARTNER)))
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        for queue, body in messages.items():
            await channel.default_exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=queue)


async def waiting(amqp_url: str, *queues: str) -> dict[str, int]:
    connection = await aio_pika.connect(vhost_url(amqp_url, vhost_of(OLD_PARTNER)))
    async with connection:
        channel = await connection.channel()
        return {name: (await channel.declare_queue(name, passive=True)
                       ).declaration_result.message_count or 0 for name in queues}


async def publish_as_the_partner(amqp_url: str, key: str) -> None:
    url = partner_url(amqp_url, OLD_PARTNER, "old-password")
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        asi = await channel.get_exchange("hub.asi", ensure=False)
        await asi.publish(aio_pika.Message(b"{}", user_id=OLD_PARTNER), routing_key=key)


async def hub_command(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args))


def rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "--quiet", "--no-table-headers", *args],
                          capture_output=True, text=True, check=True).stdout
