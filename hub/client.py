"""A small AMQP caller of the hub's ASIs, for the front office, simulators, tests and the demo."""

import asyncio
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Self

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue


@dataclass(frozen=True)
class Received:
    """A message the caller saw: an ASI reply, an event or a back-office message."""

    routing_key: str
    type: str | None
    correlation_id: str | None
    message_id: str | None
    content_type: str | None
    body: bytes
    headers: dict[str, Any]

    def json(self) -> Any:
        return json.loads(self.body)


def _received(message: AbstractIncomingMessage) -> Received:
    return Received(
        routing_key=message.routing_key or "", type=message.type,
        correlation_id=message.correlation_id, message_id=message.message_id,
        content_type=message.content_type, body=message.body,
        headers=dict(message.headers or {}),
    )


class HubCaller:
    """Calls ASIs with ``reply_to`` and listens to ``hub.events`` and ``hub.out``."""

    def __init__(self, amqp_url: str) -> None:
        self._url = amqp_url
        self._pending: dict[str, asyncio.Future[Received]] = {}
        self.seen: list[Received] = []
        self._seen_changed = asyncio.Condition()

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect_robust(self._url)
        self.channel: AbstractChannel = await self._connection.channel(publisher_confirms=True)
        self._replies = await self.channel.declare_queue(exclusive=True, auto_delete=True)
        await self._replies.consume(self._on_reply, no_ack=True)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._connection.close()

    async def listen(self, bindings: Iterable[tuple[str, str]]) -> AbstractQueue:
        """Collect every message routed to ``(exchange, key)`` into :attr:`seen`."""
        queue = await self.channel.declare_queue(exclusive=True, auto_delete=True)
        for exchange, key in bindings:
            # the hub's exchanges, declared as the hub declares them, so a listener may come first
            await self.channel.declare_exchange(exchange, "topic", durable=True)
            await queue.bind(exchange, key)
        await queue.consume(self._on_seen, no_ack=True)
        return queue

    async def call(self, operation: str, body: Any, *, message_id: str | None = None,
                   timeout: float = 15.0, **properties: Any) -> Received:
        """Publish one request to ``hub.asi`` and wait for its reply."""
        correlation_id = properties.pop("correlation_id", None) or str(uuid.uuid4())
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        await self.send(operation, body, message_id=message_id, correlation_id=correlation_id,
                        reply_to=self._replies.name, **properties)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(correlation_id, None)

    async def send(self, operation: str, body: Any, *, message_id: str | None = None,
                   **properties: Any) -> None:
        """Publish one request without waiting (persistent, confirmed)."""
        data = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
        properties.setdefault("content_type", "application/json")
        message = aio_pika.Message(
            data, message_id=message_id or str(uuid.uuid4()), type=operation,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, **properties,
        )
        exchange = await self.channel.get_exchange("hub.asi", ensure=False)
        await exchange.publish(message, routing_key=operation)

    async def wait_for(self, routing_key: str, *, count: int = 1, timeout: float = 15.0,
                       **match: Any) -> list[Received]:
        """Wait until ``count`` messages with this routing key (and data fields) were seen."""
        async with self._seen_changed:
            await asyncio.wait_for(
                self._seen_changed.wait_for(lambda: len(self.matching(routing_key, **match))
                                            >= count), timeout)
        return self.matching(routing_key, **match)

    def matching(self, routing_key: str, **match: Any) -> list[Received]:
        found = [m for m in self.seen if m.routing_key == routing_key]
        if match:
            found = [m for m in found if _has(m, match)]
        return found

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(_received(message))

    async def _on_seen(self, message: AbstractIncomingMessage) -> None:
        async with self._seen_changed:
            self.seen.append(_received(message))
            self._seen_changed.notify_all()


def _has(message: Received, match: dict[str, Any]) -> bool:
    if message.content_type != "application/json":
        return False
    body = message.json()
    data = body.get("data", body)
    return all(data.get(k) == v for k, v in match.items())


async def dead_letters(caller: HubCaller, operation: str) -> list[Received]:
    """Take what is waiting in ``asi.<operation>.dlq`` (to read or replay it)."""
    queue = await caller.channel.declare_queue(f"asi.{operation}.dlq", passive=True)
    found = []
    for _ in range(20):
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            found.append(_received(message))
        if found:
            return found
        await asyncio.sleep(0.05)
    return found


class PartnerCaller:
    """A partner's own client on its vhost: calls as an employee, reads ``partner.events``.

    It connects as the partner's RabbitMQ user, sets ``user_id`` to it (the broker checks it)
    and names the acting employee in ``x-acting-user``; replies come back on
    ``partner.replies``, the one reply queue the partner may read.
    """

    def __init__(self, amqp_url: str, partner_id: str) -> None:
        self._url = amqp_url
        self.partner_id = partner_id
        self._pending: dict[str, asyncio.Future[Received]] = {}
        self.events: list[Received] = []
        self._events_changed = asyncio.Condition()

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect_robust(self._url)
        self._channel = await self._connection.channel(publisher_confirms=True)
        self._asi = await self._channel.get_exchange("hub.asi", ensure=False)
        replies = await self._channel.get_queue("partner.replies", ensure=False)
        await replies.consume(self._on_reply, no_ack=True)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._connection.close()

    async def follow_events(self) -> None:
        """Start collecting what arrives on ``partner.events`` into :attr:`events`."""
        queue = await self._channel.get_queue("partner.events", ensure=False)
        await queue.consume(self._on_event, no_ack=True)

    async def call(self, operation: str, body: Any, *, acting_user: str | None,
                   message_id: str | None = None, timeout: float = 15.0) -> dict[str, Any]:
        """Call an ASI as ``acting_user`` and return the reply's JSON."""
        correlation_id = str(uuid.uuid4())
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            await self.send(operation, body, acting_user=acting_user, message_id=message_id,
                            correlation_id=correlation_id, reply_to="partner.replies")
            return (await asyncio.wait_for(future, timeout)).json()
        finally:
            self._pending.pop(correlation_id, None)

    async def send(self, operation: str, body: Any, *, acting_user: str | None,
                   message_id: str | None = None, **properties: Any) -> None:
        """Publish one request (persistent, confirmed) without waiting for its reply."""
        headers = {} if acting_user is None else {"x-acting-user": acting_user}
        message = aio_pika.Message(
            json.dumps(body, default=str).encode(), content_type="application/json",
            message_id=message_id or str(uuid.uuid4()), type=operation, user_id=self.partner_id,
            headers=headers, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, **properties)
        await self._asi.publish(message, routing_key=operation)

    async def wait_for_event(self, name: str, *, timeout: float = 15.0, **match: Any
                             ) -> Received:
        """The first event ``name`` on ``partner.events`` whose data has the ``match`` fields."""
        def found() -> list[Received]:
            return [e for e in self.events if e.routing_key == name and _has(e, match)]

        async with self._events_changed:
            await asyncio.wait_for(self._events_changed.wait_for(lambda: bool(found())), timeout)
        return found()[0]

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(_received(message))

    async def _on_event(self, message: AbstractIncomingMessage) -> None:
        async with self._events_changed:
            # published to the default exchange: the event name travels as the message type
            self.events.append(replace(_received(message), routing_key=message.type or ""))
            self._events_changed.notify_all()
