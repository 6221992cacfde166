"""Publishing to RabbitMQ with confirms: outbox messages and dead-letter copies."""

import json

from aio_pika.abc import AbstractIncomingMessage
from faststream.rabbit import RabbitBroker

from hub.delivery.topology import DLX
from hub.errors import HubError
from hub.store.outbox import OutgoingMessage


class AmqpPublisher:
    """Persistent, confirmed publishing on its own connection, apart from the consumers."""

    def __init__(self, broker: RabbitBroker) -> None:
        self.broker = broker

    async def publish(self, message: OutgoingMessage) -> None:
        await self.broker.publish(
            message.body, exchange=message.exchange, routing_key=message.routing_key,
            persist=True, message_id=message.message_id, correlation_id=message.correlation_id,
            content_type=message.content_type, message_type=message.message_type,
            headers=message.headers or None, timeout=30,
        )

    async def dead_letter(
        self, raw: AbstractIncomingMessage, operation: str, errors: list[HubError]
    ) -> None:
        """Keep the request, untouched, in ``asi.<operation>.dlq`` with why it was refused."""
        headers = dict(raw.headers or {})
        headers["x-hub-error"] = "; ".join(f"{e.code}: {e.message}" for e in errors)[:4000]
        headers["x-hub-error-code"] = errors[0].code
        headers["x-hub-errors"] = json.dumps([e.model_dump() for e in errors])[:16000]
        await self.broker.publish(
            raw.body, exchange=DLX.name, routing_key=f"asi.{operation}", persist=True,
            message_id=raw.message_id, correlation_id=raw.correlation_id,
            content_type=raw.content_type, message_type=raw.type, reply_to=raw.reply_to,
            user_id=None, headers=headers, timeout=30,
        )
