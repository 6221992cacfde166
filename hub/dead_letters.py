"""Operators' view of dead letters: list them with their reason, or replay them to the hub."""

from dataclasses import dataclass

import aio_pika

HUB_HEADERS = ("x-hub-error", "x-hub-error-code", "x-hub-errors", "x-death",
               "x-delivery-count", "x-first-death-exchange", "x-first-death-queue",
               "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
               "x-last-death-reason")


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    reason: str
    size: int


async def list_dead_letters(amqp_url: str, operation: str, limit: int = 100
                            ) -> list[DeadLetter]:
    """Peek: read up to ``limit`` dead letters and put them all back, in order."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(f"asi.{operation}.dlq", passive=True)
        seen = []
        for _ in range(limit):
            message = await queue.get(fail=False)
            if message is None:
                break
            seen.append(message)
        letters = [_letter(m) for m in seen]
        # closing the channel unacked returns every message to the queue
    return letters


async def dead_letter_counts(connection: aio_pika.abc.AbstractConnection,
                             operations: list[str]) -> dict[str, int]:
    """How many messages wait in each ``asi.<operation>.dlq``."""
    counts = {}
    async with await connection.channel() as channel:
        for operation in operations:
            queue = await channel.declare_queue(f"asi.{operation}.dlq", passive=True)
            counts[queue.name] = queue.declaration_result.message_count or 0
    return counts


async def replay_dead_letters(amqp_url: str, operation: str, limit: int = 1000,
                              message_id: str | None = None) -> int:
    """Publish dead letters back to ``hub.asi`` (confirmed) and only then remove them.

    With ``message_id``, only that one is replayed; the others stay where they were.
    """
    connection = await aio_pika.connect(amqp_url)
    replayed = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(f"asi.{operation}.dlq", passive=True)
        asi = await channel.get_exchange("hub.asi", ensure=False)
        while replayed < limit and (message := await queue.get(fail=False)) is not None:
            if message_id is not None and message.message_id != message_id:
                continue  # left unacked: back in the queue when the channel closes
            headers = {k: v for k, v in (message.headers or {}).items() if k not in HUB_HEADERS}
            await asi.publish(aio_pika.Message(
                message.body, headers=headers, message_id=message.message_id,
                correlation_id=message.correlation_id, content_type=message.content_type,
                type=message.type, reply_to=message.reply_to,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=operation)
            await message.ack()
            replayed += 1
            if message_id is not None:
                break
    return replayed


def _letter(message: aio_pika.abc.AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers or {}
    reason = headers.get("x-hub-error") or headers.get("x-first-death-reason") or "unknown"
    return DeadLetter(message.message_id, str(reason), len(message.body))
