"""Forwarding events to partners: a copy of each event a partner should see reaches the durable
``partner.events`` queue of that partner's vhost.

The outbox relay decides, for each round it publishes, which events partners receive (one
lookup for the whole round, :class:`PartnerFanOut`), and publishes those events a second time,
straight into the hub's queue ``hub.partner.events`` with their recipients in a header. An
outbox row is recorded as sent only once the event and that copy are both confirmed. The
hub's forwarder consumes the queue and copies each event into the recipients' vhosts; a
partner vhost that is away requeues it with backoff, so it never holds up the outbox. Events
that no partner receives (most of them) cost no second delivery.

A copy keeps the event's ``message_id`` (a redelivery gives the partner a duplicate it can
recognise, never a loss); the delivery is acked only once every copy is confirmed.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import orjson
from aio_pika.abc import AbstractIncomingMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitRouter

from hub.delivery.topology import DLX, EVENTS, QueuePolicy
from hub.interfaces.partners.event_recipients import PARTNER_EVENTS, recipients_of
from hub.store.database import Database
from hub.store.outbox import EVENTS_EXCHANGE, OutgoingMessage
from hub.store.unit_of_work import UnitOfWork

log = logging.getLogger("hub.partner_events")
FORWARD_QUEUE = "hub.partner.events"
# the partner ids a copy in FORWARD_QUEUE goes to, decided when the relay published it
RECIPIENTS_HEADER = "x-hub-partners"
Forward = Callable[[AbstractIncomingMessage], Awaitable[None]]


async def declare_forwarding(broker: RabbitBroker, policy: QueuePolicy) -> None:
    """The hub's queue of events for partners (filled by the relay) and its dead letters.

    Before the relay decided who receives what, the queue was bound to ``hub.events`` for every
    event partners receive: those bindings are removed, or each event would arrive twice.
    """
    events = await broker.declare_exchange(EVENTS)
    dlx = await broker.declare_exchange(DLX)
    dlq = await broker.declare_queue(policy.dead_letter_queue_of(FORWARD_QUEUE))
    await dlq.bind(dlx, routing_key=FORWARD_QUEUE)
    queue = await broker.declare_queue(forwarding_queue(policy))
    for name in PARTNER_EVENTS:
        await queue.unbind(events, routing_key=name)


def forwarding_queue(policy: QueuePolicy):  # type: ignore[no-untyped-def]
    """Bound to nothing: the relay publishes into it through the default exchange."""
    return policy.connector_queue(FORWARD_QUEUE, FORWARD_QUEUE)


class PartnerFanOut:
    """Which events of a relay round partners receive, as copies for ``hub.partner.events``."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def copies(self, messages: Sequence[OutgoingMessage]) -> dict[str, OutgoingMessage]:
        """The copy to publish beside each event that has recipients, by the event's id.

        Reads what is committed (the events' orders are) as a reader: one transaction and at
        most two statements for the whole round.
        """
        events = [m for m in messages
                  if m.exchange == EVENTS_EXCHANGE and m.routing_key in PARTNER_EVENTS]
        if not events:
            return {}
        asked = [(m.routing_key, orjson.loads(m.body).get("data") or {}) for m in events]
        found = await recipients_of(UnitOfWork(self._database, _never, read_only=True), asked)
        return {m.message_id: replace(m, exchange="", routing_key=FORWARD_QUEUE,
                                      headers={**m.headers, RECIPIENTS_HEADER: recipients})
                for m, recipients in zip(events, found, strict=True) if recipients}


def _never(messages: list[OutgoingMessage]) -> None:
    raise RuntimeError("a reader recorded messages")


def recipients_in(raw: AbstractIncomingMessage) -> list[str] | None:
    """The recipients the relay chose for a copy; None for an event routed before it chose."""
    named = (raw.headers or {}).get(RECIPIENTS_HEADER)
    if named is None:
        return None
    return [p.decode() if isinstance(p, bytes) else str(p) for p in named]


def event_name(raw: AbstractIncomingMessage) -> str:
    """The event's name: its type (a copy's routing key is the queue's name)."""
    return raw.type or raw.routing_key or ""


def partner_events_router(policy: QueuePolicy, forward: Forward) -> RabbitRouter:
    """Consume ``hub.partner.events``; a partner vhost that is away requeues with backoff."""
    router = RabbitRouter()

    @router.subscriber(forwarding_queue(policy), ack_policy=AckPolicy.NACK_ON_ERROR,
                       title=FORWARD_QUEUE,
                       description="Events partners receive on their own partner.events "
                                   "queue, copied here by the outbox relay with their "
                                   f"recipients in the {RECIPIENTS_HEADER} header")
    async def forward_event(body: dict, msg: RabbitMessage) -> None:
        attempt = int((msg.raw_message.headers or {}).get("x-delivery-count") or 0)
        if attempt:
            await asyncio.sleep(min(0.2 * 2**attempt, 10.0))
        await forward(msg.raw_message)

    return router


def partner_copy(raw: AbstractIncomingMessage) -> bytes:
    """The event as a partner sees it: an alert without the list of who else received it."""
    event: dict[str, Any] = orjson.loads(raw.body)
    if event_name(raw) == "partner.alert":
        event["data"] = {k: v for k, v in event.get("data", {}).items() if k != "partner_ids"}
    return orjson.dumps(event)
