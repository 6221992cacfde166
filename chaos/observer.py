"""What the outside world saw during a chaos run: requests sent, replies, effects downstream.

The observer's queues are durable quorum queues of its own, declared before the hub starts,
so nothing the hub sends is missed while the broker or a worker is down.
"""

import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from tests.support.factories import a_line, an_order

log = logging.getLogger("chaos")
QUORUM = {"x-queue-type": "quorum"}
# queue -> (exchange, routing key) it listens to; replies come straight to their queue
LISTENS = {"chaos.billing": ("hub.out", "billing.order"),
           "chaos.accepted": ("hub.events", "order.accepted"),
           "chaos.replies": (None, None)}


@dataclass
class Seen:
    """Per order id: the distinct message ids seen of each kind, and every delivery's count."""

    ids: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    deliveries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reply_bodies: dict[str, set[bytes]] = field(default_factory=lambda: defaultdict(set))

    def record(self, queue: str, message: AbstractIncomingMessage) -> None:
        order_id = message.correlation_id or "?"
        self.ids[queue][order_id].add(message.message_id or "")
        self.deliveries[queue] += 1
        if queue == "chaos.replies":
            self.reply_bodies[order_id].add(message.body)

    def complete(self, queue: str) -> int:
        return len(self.ids[queue])


@dataclass
class Report:
    orders: int
    lost: int
    duplicated_effects: int
    repeated_replies: int
    changed_replies: int
    relay_repeats: int
    rejected: int

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated_effects == 0 and self.changed_replies == 0 \
            and self.rejected == 0


def report(seen: Seen, order_ids: list[str]) -> Report:
    """Lost: an order without its reply, billing message or event; duplicated: one with two."""
    kinds = ("chaos.billing", "chaos.accepted", "chaos.replies")
    lost = sum(1 for o in order_ids if any(not seen.ids[k].get(o) for k in kinds))
    duplicated = sum(1 for o in order_ids
                     if any(len(seen.ids[k].get(o, ())) > 1 for k in kinds[:2]))
    replies = seen.ids["chaos.replies"]
    changed = sum(1 for o in order_ids
                  if len(replies.get(o, ())) > 1 or len(seen.reply_bodies.get(o, ())) > 1)
    rejected = sum(1 for o in order_ids for body in seen.reply_bodies.get(o, ())
                   if json.loads(body)["status"] != "accepted")
    distinct = sum(len(ids) for ids in seen.ids["chaos.billing"].values())
    return Report(
        orders=len(order_ids), lost=lost, duplicated_effects=duplicated,
        repeated_replies=seen.deliveries["chaos.replies"] - sum(len(v) for v in replies.values()),
        changed_replies=changed, relay_repeats=seen.deliveries["chaos.billing"] - distinct,
        rejected=rejected)


class Observer:
    """Publishes the orders (confirmed, retried through outages) and records what comes back."""

    def __init__(self, amqp_url: str) -> None:
        self.url = amqp_url
        self.seen = Seen()
        self.sent = 0

    async def __aenter__(self) -> "Observer":
        self.connection: AbstractRobustConnection = await aio_pika.connect_robust(
            self.url, reconnect_interval=1)
        channel = await self.connection.channel()
        for queue, (exchange, key) in LISTENS.items():
            declared = await channel.declare_queue(queue, durable=True, arguments=QUORUM)
            if exchange is not None:
                # as the hub declares it, so the observer may come first
                await channel.declare_exchange(exchange, "topic", durable=True)
                await declared.bind(exchange, key)
            await declared.consume(self._recorder(queue))
        self.publishing = await self.connection.channel(publisher_confirms=True)
        await self.publishing.declare_exchange("hub.asi", "topic", durable=True)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.connection.close()

    def _recorder(self, queue: str):  # noqa: ANN202 - an aio-pika callback
        async def record(message: AbstractIncomingMessage) -> None:
            self.seen.record(queue, message)
            await message.ack()
        return record

    async def send_all(self, order_ids: list[str], window: int) -> None:
        """Publish every order, at most ``window`` ahead of the replies."""
        for order_id in order_ids:
            while self.sent - self.seen.complete("chaos.replies") >= window:
                await asyncio.sleep(0.05)
            await self._publish_until_confirmed(order_id)
            self.sent += 1

    async def _publish_until_confirmed(self, order_id: str) -> None:
        body = json.dumps(an_order(order_id, a_line("1"), a_line("2", parent_line_id="1")))
        message = aio_pika.Message(
            body.encode(), content_type="application/json", message_id=f"req-{order_id}",
            correlation_id=order_id, reply_to="chaos.replies", type="order.submit",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        while True:
            try:
                exchange = await self.publishing.get_exchange("hub.asi", ensure=False)
                await exchange.publish(message, routing_key="order.submit", timeout=10)
                return
            # the broker is away: the same request again, same message_id, until confirmed
            except Exception as exc:  # noqa: BLE001
                log.info("publish of %s failed (%r); retrying", order_id, exc)
                await asyncio.sleep(1)
