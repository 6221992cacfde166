"""Forwarding events to partners: the hub reads its own ``hub.events`` and copies each event a
partner should see into the durable ``partner.events`` queue of that partner's vhost.

The copy keeps the event's ``message_id`` (a redelivery gives the partner a duplicate it can
recognise, never a loss); the delivery is acked only once every copy is confirmed.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from aio_pika.abc import AbstractIncomingMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitRouter

from hub.delivery.topology import DLX, EVENTS, QueuePolicy
from hub.interfaces.partners.event_recipients import PARTNER_EVENTS

log = logging.getLogger("hub.partner_events")
FORWARD_QUEUE = "hub.partner.events"
Forward = Callable[[AbstractIncomingMessage], Awaitable[None]]


async def declare_forwarding(broker: RabbitBroker, policy: QueuePolicy) -> None:
    """The hub's queue of events for partners, bound to each event partners receive."""
    events = await broker.declare_exchange(EVENTS)
    dlx = await broker.declare_exchange(DLX)
    dlq = await broker.declare_queue(policy.dead_letter_queue_of(FORWARD_QUEUE))
    await dlq.bind(dlx, routing_key=FORWARD_QUEUE)
    queue = await broker.declare_queue(forwarding_queue(policy))
    for name in PARTNER_EVENTS:
        await queue.bind(events, routing_key=name)


def forwarding_queue(policy: QueuePolicy):  # type: ignore[no-untyped-def]
    return policy.connector_queue(FORWARD_QUEUE, PARTNER_EVENTS[0])


def partner_events_router(policy: QueuePolicy, forward: Forward) -> RabbitRouter:
    """Consume ``hub.partner.events``; a partner vhost that is away requeues with backoff."""
    router = RabbitRouter()

    @router.subscriber(forwarding_queue(policy), ack_policy=AckPolicy.NACK_ON_ERROR,
                       title=FORWARD_QUEUE,
                       description="Events partners receive on their own partner.events queue")
    async def forward_event(body: dict, msg: RabbitMessage) -> None:
        attempt = int((msg.raw_message.headers or {}).get("x-delivery-count") or 0)
        if attempt:
            await asyncio.sleep(min(0.2 * 2**attempt, 10.0))
        await forward(msg.raw_message)

    return router


def partner_copy(raw: AbstractIncomingMessage) -> bytes:
    """The event as a partner sees it: an alert without the list of who else received it."""
    event = json.loads(raw.body)
    if raw.routing_key == "partner.alert":
        event["data"] = {k: v for k, v in event.get("data", {}).items() if k != "partner_ids"}
    return json.dumps(event, separators=(",", ":")).encode()
