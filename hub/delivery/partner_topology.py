"""A partner's own virtual host: its queues, and the least privileges its RabbitMQ user gets.

In ``partner.<id>`` the partner publishes requests to ``hub.asi`` (keys: its operations) and
its CRM's answers to the hub (keys ``lead.reply.*``); it reads only ``partner.replies`` (the
hub's replies to it), ``partner.inbound`` (what the hub sends its CRM via ``hub.partner``) and
``partner.events`` (events of orders on its accounts, alerts). The hub consumes
``asi.<operation>`` there, dead-lettering to ``asi.<op>.dlq`` in that vhost.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue

from hub.canonical.operations import PARTNER_OPERATIONS as PARTNER_TABLE
from hub.delivery.topology import ASI, DLX, QueuePolicy

# the ASIs a partner calls on its own vhost, as declared once in hub/canonical/operations.py
PARTNER_OPERATIONS = tuple(PARTNER_TABLE)
TO_PARTNER = RabbitExchange("hub.partner", type=ExchangeType.TOPIC, durable=True)
INBOUND_QUEUE = "partner.inbound"
REPLIES_QUEUE = "partner.replies"
# events of orders on the partner's accounts, and alerts from the channel manager
PARTNER_EVENTS_QUEUE = "partner.events"
LEAD_REPLY_PREFIX = "lead.reply."


PARTNER_READS = (REPLIES_QUEUE, INBOUND_QUEUE, PARTNER_EVENTS_QUEUE)


def vhost_of(partner_id: str) -> str:
    return f"partner.{partner_id}"


def url_vhost(amqp_url: str) -> str:
    """The virtual host an AMQP URL names (``/`` when it names none)."""
    return unquote(urlsplit(amqp_url).path[1:]) or "/"


def vhost_url(amqp_url: str, vhost: str) -> str:
    """The same broker and credentials as ``amqp_url``, on another virtual host."""
    parts = urlsplit(amqp_url)
    return urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


@dataclass(frozen=True)
class Permissions:
    """``rabbitmqctl set_permissions`` and ``set_topic_permissions`` of one partner user."""

    configure: str
    write: str
    read: str
    topic_exchange: str
    topic_write: str
    topic_read: str


def partner_permissions() -> Permissions:
    """Configure nothing; write only to ``hub.asi``; read only its replies and inbound queue."""
    operations = "|".join(re.escape(op) for op in PARTNER_OPERATIONS)
    return Permissions(
        configure="^$",
        write=f"^{re.escape(ASI.name)}$",
        read=f"^({'|'.join(re.escape(q) for q in PARTNER_READS)})$",
        topic_exchange=ASI.name,
        topic_write=f"^({operations}|{re.escape(LEAD_REPLY_PREFIX)}[A-Za-z0-9-]+)$",
        topic_read="^$",
    )


async def declare_partner_topology(broker: RabbitBroker, policy: QueuePolicy) -> None:
    """Declare the partner vhost's exchanges and queues as an administrator; safe to repeat."""
    asi = await broker.declare_exchange(ASI)
    dlx = await broker.declare_exchange(DLX)
    to_partner = await broker.declare_exchange(TO_PARTNER)
    for operation in PARTNER_OPERATIONS:
        dlq = await broker.declare_queue(policy.dead_letter_queue(operation))
        await dlq.bind(dlx, routing_key=f"asi.{operation}")
        queue = await broker.declare_queue(policy.asi_queue(operation))
        await queue.bind(asi, routing_key=operation)
    await broker.declare_queue(_plain_queue(REPLIES_QUEUE, policy))
    await broker.declare_queue(_plain_queue(PARTNER_EVENTS_QUEUE, policy))
    inbound = await broker.declare_queue(_plain_queue(INBOUND_QUEUE, policy))
    await inbound.bind(to_partner, routing_key="#")


def _plain_queue(name: str, policy: QueuePolicy) -> RabbitQueue:
    if policy.quorum:
        return RabbitQueue(name, durable=True, queue_type=QueueType.QUORUM)
    return RabbitQueue(name, durable=True)
