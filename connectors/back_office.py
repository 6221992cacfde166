"""Request-reply with the back office over ``hub.out``: forward, wait for the answer, time out.

Each worker has one exclusive reply queue; a call waits on a future keyed by a fresh
``correlation_id`` and removes it however the wait ends, so a back office that never answers
leaves nothing behind. An answer nobody waits for (unknown or expired correlation) is dropped
and counted.
"""

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aio_pika.exceptions import DeliveryError

from hub.delivery.topology import OUT
from hub.interfaces.ports import BackOffice, BackOfficeUnavailable

log = logging.getLogger("hub.backoffice")


class BackOfficeLink(BackOffice):
    """The hub's side of the back-office request-reply hop over AMQP (one per worker)."""

    def __init__(self, timeout: float, on_dropped: Callable[[], object] | None = None) -> None:
        self.timeout = timeout
        self.on_dropped = on_dropped
        self.reply_queue = f"hub.backoffice.replies.{uuid.uuid4().hex}"
        # answers that arrived for no call in progress (late, duplicated or foreign)
        self.dropped_answers = 0
        self._waiting: dict[str, asyncio.Future[bytes]] = {}
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._queue: AbstractQueue | None = None

    @property
    def in_flight(self) -> int:
        return len(self._waiting)

    async def connect(self, connection: AbstractRobustConnection) -> None:
        """Open the publishing channel and start consuming the reply queue."""
        self._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self._channel.get_exchange(OUT.name, ensure=False)
        # named by us, not the broker: a robust channel re-declares it after a reconnect
        self._queue = await self._channel.declare_queue(self.reply_queue, exclusive=True,
                                                        auto_delete=True)
        await self._queue.consume(self._on_answer, no_ack=True)

    async def close(self) -> None:
        for future in self._waiting.values():
            future.cancel()
        self._waiting.clear()
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    async def ask(self, operation: str, body: bytes, message_id: str) -> bytes:
        """Forward ``body`` to ``backoffice.<operation>`` and return the answer's body."""
        if self._exchange is None:
            raise RuntimeError("BackOfficeLink.connect() was not called")
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._waiting[correlation_id] = future
        key = f"backoffice.{operation}"
        try:
            await self._exchange.publish(aio_pika.Message(
                body, message_id=message_id, correlation_id=correlation_id,
                reply_to=self.reply_queue, content_type="application/json", type=key,
                # nobody waits for an answer after the timeout: the back office may skip it
                expiration=timedelta(seconds=self.timeout),
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ), routing_key=key, mandatory=True, timeout=self.timeout)
            return await asyncio.wait_for(future, self.timeout)
        except DeliveryError as exc:
            raise BackOfficeUnavailable(f"no back office takes {key} right now") from exc
        except TimeoutError as exc:
            raise BackOfficeUnavailable(
                f"the back office did not answer {key} within {self.timeout:g} s") from exc
        finally:
            self._waiting.pop(correlation_id, None)

    async def _on_answer(self, message: AbstractIncomingMessage) -> None:
        future = self._waiting.get(message.correlation_id or "")
        if future is None or future.done():
            self.dropped_answers += 1
            if self.on_dropped is not None:
                self.on_dropped()
            log.info("dropped a back-office answer for no call in progress (correlation %s)",
                     message.correlation_id)
            return
        future.set_result(message.body)
