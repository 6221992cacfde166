"""A partner CRM on AMQP speaking Salesforce-like JSON leads, for the tests, the demo and the bench.

It connects as the partner's own RabbitMQ user to the partner's vhost, as a real partner would:
it answers the hub's ``lead.create`` / ``lead.update`` / ``lead.get`` from ``partner.inbound``
(creating one lead per idempotency key), and it calls the hub's ASIs on ``hub.asi`` with its
``user_id`` (its own leads, updates, queries), reading the hub's replies from ``partner.replies``.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import uuid
from typing import Any, Literal, Self

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from pydantic import ValidationError

from hub.delivery.partner_topology import INBOUND_QUEUE, REPLIES_QUEUE
from hub.delivery.topology import ASI
from simulators.salesforce_records import stored_lead

# down: takes requests and never answers; slow: answers after slow_seconds;
# refuse: answers every request with an error; garbage: answers with something not JSON
Mode = Literal["down", "slow", "refuse", "garbage"] | None
_USER = object()  # "set user_id to my own user", the default of :meth:`AmqpCrmSimulator.call`


class AmqpCrmSimulator:
    """The partner's CRM and its integration client; use ``async with``."""

    def __init__(self, amqp_url: str, partner_id: str) -> None:
        self._url = amqp_url
        self.partner_id = partner_id
        self.mode: Mode = None
        self.slow_seconds = 2.0
        self.leads: dict[str, dict[str, Any]] = {}
        self.created: dict[str, str] = {}
        self.updated: set[str] = set()
        self.requests_seen = 0
        self._ids = itertools.count(5001)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect_robust(self._url)
        self._channel = await self._connection.channel(publisher_confirms=True)
        await self._channel.set_qos(prefetch_count=256)
        self._asi = await self._channel.get_exchange(ASI.name, ensure=False)
        inbound = await self._channel.get_queue(INBOUND_QUEUE, ensure=False)
        await inbound.consume(self._on_request)
        replies = await self._channel.get_queue(REPLIES_QUEUE, ensure=False)
        await replies.consume(self._on_reply, no_ack=True)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._connection.close()

    def advance(self, lead_id: str, *, stage: str | None = None,
                probability: float | None = None, amount: str | None = None,
                new_task: dict[str, str] | None = None) -> None:
        """Work a lead as the partner's sales rep would, so a later ``lead.get`` shows progress."""
        lead = dict(self.leads[lead_id])
        for field, value in (("StageName", stage), ("Probability", probability),
                             ("Amount", amount)):
            if value is not None:
                lead[field] = value
        if new_task is not None:
            lead["Tasks__r"] = [*lead.get("Tasks__r", []), {"Id": f"00T{next(self._ids)}",
                                                              **new_task}]
        self.leads[lead_id] = stored_lead(lead)

    async def call(self, operation: str, body: Any, *, message_id: str | None = None,
                   user_id: Any = _USER, timeout: float = 15.0) -> dict[str, Any]:
        """Call one of the hub's ASIs from the partner's side and wait for the reply."""
        correlation_id = str(uuid.uuid4())
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            await self.send(operation, body, message_id=message_id, user_id=user_id,
                            correlation_id=correlation_id, reply_to=REPLIES_QUEUE)
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(correlation_id, None)

    async def send(self, operation: str, body: Any, *, message_id: str | None = None,
                   user_id: Any = _USER, **properties: Any) -> None:
        """Publish one request to the hub (persistent, confirmed) without waiting."""
        data = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
        properties.setdefault("content_type", "application/json")
        message = aio_pika.Message(
            data, message_id=message_id or str(uuid.uuid4()), type=operation,
            user_id=self.partner_id if user_id is _USER else user_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, **properties)
        await self._asi.publish(message, routing_key=operation)

    async def _on_request(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            self.requests_seen += 1
            if self.mode == "down":
                return
            if self.mode == "slow":
                await asyncio.sleep(self.slow_seconds)
            body = b"<html>502</html>" if self.mode == "garbage" else json.dumps(
                self._answer(message)).encode()
            await self._asi.publish(
                aio_pika.Message(body, content_type="application/json", type="lead.reply",
                                 correlation_id=message.correlation_id, user_id=self.partner_id),
                routing_key=message.reply_to or "")

    def _answer(self, message: AbstractIncomingMessage) -> dict[str, Any]:
        if self.mode == "refuse":
            return _error("partner.invalid", "simulated refusal of the partner CRM")
        try:
            request = json.loads(message.body)
            if message.type == "lead.get":
                return self._get(request["lead_id"])
            lead = stored_lead(request["lead"])
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            return _error("partner.invalid", f"cannot read the request: {exc}")
        key = message.message_id or ""
        if message.type == "lead.create":
            return self._create(lead, key)
        if message.type == "lead.update":
            return self._update(request["lead_id"], lead, key)
        return _error("partner.invalid", f"unknown request {message.type}")

    def _create(self, lead: dict[str, Any], key: str) -> dict[str, Any]:
        if key not in self.created:
            lead_id = f"00Q{next(self._ids)}"
            self.leads[lead_id] = {**lead, "Id": lead_id}
            self.created[key] = lead_id
        return {"status": "ok", "lead_id": self.created[key]}

    def _update(self, lead_id: str, lead: dict[str, Any], key: str) -> dict[str, Any]:
        if lead_id not in self.leads:
            return _error("partner.not_found", f"no lead {lead_id}")
        if key not in self.updated:
            self.leads[lead_id] = {**lead, "Id": lead_id}
            self.updated.add(key)
        return {"status": "ok", "lead_id": lead_id}

    def _get(self, lead_id: str) -> dict[str, Any]:
        if lead_id not in self.leads:
            return _error("partner.not_found", f"no lead {lead_id}")
        return {"status": "ok", "lead": self.leads[lead_id]}

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(json.loads(message.body))


def _error(code: str, message: str) -> dict[str, Any]:
    return {"status": "error", "code": code, "message": message}


async def _serve(url: str, partner_id: str) -> None:
    async with AmqpCrmSimulator(url, partner_id):
        print(f"AMQP partner CRM simulator for {partner_id} ready", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True,
                        help="the partner's own URL: amqp://<id>:<password>@host/partner.<id>")
    parser.add_argument("--partner", required=True, help="the partner id (its RabbitMQ user)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.url, args.partner))


if __name__ == "__main__":
    main()
