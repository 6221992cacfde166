"""Provisioning a registered partner on RabbitMQ: vhost, user, permissions, then its queues."""

import logging
from urllib.parse import urlsplit

from faststream.rabbit import RabbitBroker

from connectors.rabbitmq_admin import PartnerAccess, grant
from hub.delivery.partner_topology import (
    declare_partner_topology,
    partner_permissions,
    vhost_of,
    vhost_url,
)
from hub.delivery.topology import QueuePolicy, broker_has_quorum_queues
from hub.errors import Rejected, error
from hub.interfaces.partners.registry import record_provisioned
from hub.settings import Settings
from hub.store.database import open_database
from hub.store.unit_of_work import UnitOfWork


def partner_access(settings: Settings, partner_id: str) -> PartnerAccess:
    """What ``partner_id`` gets on the broker; the hub's own user is the one in ``AMQP_URL``."""
    admin = urlsplit(settings.amqp_url).username or "guest"
    return PartnerAccess(vhost=vhost_of(partner_id), username=partner_id,
                         permissions=partner_permissions(), admin_username=admin)


async def provision_partner(settings: Settings, partner_id: str, password: str) -> str:
    """Create the partner's vhost, user and queues and record them; returns the vhost."""
    database = open_database(settings.database_url)
    try:
        async with UnitOfWork(database, lambda _: None) as uow:
            if await uow.partners.get(partner_id) is None:
                raise Rejected(error("partner.unknown", f"no partner {partner_id}: register "
                                     "it first", "partner_id"))
        access = partner_access(settings, partner_id)
        await grant(access, password)
        await declare_queues(settings, access.vhost)
        await record_provisioned(UnitOfWork(database, lambda _: None), partner_id, access.vhost)
    finally:
        await database.dispose()
    logging.getLogger("hub.provision").info("partner %s provisioned on %s", partner_id,
                                            access.vhost)
    return access.vhost


async def declare_queues(settings: Settings, vhost: str) -> None:
    """Declare the partner-side topology in ``vhost`` as the hub's own user."""
    broker = RabbitBroker(vhost_url(settings.amqp_url, vhost), log_level=logging.DEBUG)
    try:
        connection = await broker.connect()
        version = connection.transport.connection.server_properties["version"]
        text = str(version, "utf-8") if isinstance(version, bytes) else str(version)
        await declare_partner_topology(broker, QueuePolicy(quorum=broker_has_quorum_queues(text)))
    finally:
        await broker.stop()
