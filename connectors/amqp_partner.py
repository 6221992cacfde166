"""The partner CRM port over AMQP: JSON leads in the partner's vocabulary, on the partner's vhost.

The hub publishes ``lead.create`` / ``lead.update`` / ``lead.get`` to ``hub.partner`` (read by
the partner from ``partner.inbound``) with ``message_id`` = the idempotency key and ``reply_to``
= a routing key ``lead.reply.<worker>``; the partner answers on ``hub.asi`` with that key and
the same ``correlation_id``: ``{"status": "ok", "lead_id"|"lead": ...}`` or
``{"status": "error", "code", "message"}``. A request nobody took in time expires unread.
"""

import asyncio
import json
import uuid
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection

from hub.canonical.opportunities import Opportunity
from hub.canonical.partners import PartnerProfile
from hub.delivery.partner_topology import LEAD_REPLY_PREFIX, TO_PARTNER, vhost_of, vhost_url
from hub.delivery.topology import ASI
from hub.errors import Rejected
from hub.interfaces.ports import PartnerCrm, PartnerRefused, PartnerUnavailable
from hub.mappers.vocabularies import VOCABULARIES, Vocabulary
from hub.operations.tracing import trace_headers

MAX_REPLY_BYTES = 1024 * 1024


class AmqpPartnerCrm(PartnerCrm):
    """Calls one partner's CRM through its vhost; :meth:`start` before use, :meth:`aclose` after."""

    def __init__(self, url: str, partner_id: str, vocabulary: Vocabulary, timeout: float) -> None:
        self._url = url
        self.partner_id = partner_id
        self._vocabulary = vocabulary
        self._timeout = timeout
        self._reply_key = f"{LEAD_REPLY_PREFIX}{uuid.uuid4().hex}"
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._connection: AbstractRobustConnection | None = None

    async def start(self) -> "AmqpPartnerCrm":
        try:
            self._connection = await aio_pika.connect_robust(self._url, timeout=self._timeout)
            self._channel: AbstractChannel = await self._connection.channel(
                publisher_confirms=True)
            replies = await self._channel.declare_queue(exclusive=True, auto_delete=True)
            await replies.bind(ASI.name, self._reply_key)
            await replies.consume(self._on_reply, no_ack=True)
        except (aio_pika.exceptions.AMQPException, OSError, TimeoutError) as exc:
            await self.aclose()
            raise PartnerUnavailable(f"partner vhost unreachable: {exc!r}") from exc
        return self

    async def aclose(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def create_lead(self, opportunity: Opportunity, idempotency_key: str) -> str:
        lead = self._lead(opportunity)
        answer = await self._request("lead.create", {"lead": lead}, idempotency_key)
        return _field(answer, "lead_id", str)

    async def update_lead(
        self, external_id: str, opportunity: Opportunity, idempotency_key: str
    ) -> None:
        ids = {**opportunity.external_ids, self.partner_id: external_id}
        lead = self._lead(opportunity.model_copy(update={"external_ids": ids}))
        await self._request("lead.update", {"lead_id": external_id, "lead": lead},
                            idempotency_key)

    async def get_lead(self, external_id: str) -> Opportunity:
        answer = await self._request("lead.get", {"lead_id": external_id}, str(uuid.uuid4()))
        try:
            return self._vocabulary.from_lead(_field(answer, "lead", dict), self.partner_id, None)
        except Rejected as exc:
            raise PartnerRefused(exc.errors[0].code, exc.errors[0].message, exc.errors) from exc

    def _lead(self, opportunity: Opportunity) -> dict[str, Any]:
        try:
            return self._vocabulary.to_lead(opportunity, self.partner_id)
        except Rejected as exc:
            raise PartnerRefused(exc.errors[0].code, exc.errors[0].message, exc.errors) from exc

    async def _request(self, kind: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        if self._connection is None:
            raise PartnerUnavailable("not connected to the partner vhost")
        correlation_id = str(uuid.uuid4())
        future = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        message = aio_pika.Message(
            json.dumps(body, default=str).encode(), content_type="application/json", type=kind,
            message_id=key, correlation_id=correlation_id, reply_to=self._reply_key,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, expiration=self._timeout,
            headers=trace_headers() or None)
        try:
            async with asyncio.timeout(self._timeout):
                exchange = await self._channel.get_exchange(TO_PARTNER.name, ensure=False)
                await exchange.publish(message, routing_key=kind)
                return _answer(await future)
        except TimeoutError as exc:
            raise PartnerUnavailable(f"{kind}: no answer within {self._timeout}s") from exc
        except aio_pika.exceptions.AMQPException as exc:
            raise PartnerUnavailable(f"{kind}: {exc!r}") from exc
        finally:
            self._pending.pop(correlation_id, None)

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is None or future.done():
            return  # an answer to a call that gave up: the idempotency key covers a retry
        if len(message.body) > MAX_REPLY_BYTES:
            future.set_exception(PartnerRefused("partner.message_invalid",
                                                f"answer exceeds {MAX_REPLY_BYTES} bytes"))
            return
        try:
            future.set_result(json.loads(message.body))
        except (UnicodeDecodeError, ValueError) as exc:
            future.set_exception(PartnerRefused("partner.message_invalid",
                                                f"answer is not JSON: {exc}"))



async def open_amqp_crm(partner: PartnerProfile, amqp_url: str, timeout: float
                        ) -> AmqpPartnerCrm:
    """The CRM of an AMQP partner, reached through the partner's own vhost."""
    url = vhost_url(amqp_url, partner.vhost or vhost_of(partner.partner_id))
    return await AmqpPartnerCrm(url, partner.partner_id, VOCABULARIES[partner.vocabulary],
                                timeout).start()

def _answer(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict) or answer.get("status") not in ("ok", "error", "unavailable"):
        raise PartnerRefused("partner.message_invalid", "answer has no status ok or error")
    if answer["status"] == "unavailable":
        raise PartnerUnavailable(str(answer.get("message") or "partner CRM unavailable"))
    if answer["status"] == "error":
        code = str(answer.get("code") or "partner.fault")
        raise PartnerRefused(code if code.startswith("partner.") else f"partner.{code}",
                             str(answer.get("message") or "refused by the partner CRM"))
    return answer


def _field(answer: dict[str, Any], name: str, kind: type) -> Any:
    value = answer.get(name)
    if not isinstance(value, kind) or not value:
        raise PartnerRefused("partner.message_invalid", f"answer has no {name}")
    return value
