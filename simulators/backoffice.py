"""A simulated back office: credit limits, stock, tax rules and cards that decline.

It consumes ``backoffice.#`` from ``hub.out`` and answers each request on its ``reply_to``
with the same ``correlation_id``, as the real credit, stock, tax and payment systems would.
Tests can make an operation silent (never answered) or garbled (answered with nonsense).
"""

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Self

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

log = logging.getLogger("simulators.backoffice")
CENT = Decimal("0.01")


@dataclass
class BackOfficeBook:
    """What the back office knows: per-account credit, per-product stock and tax, bad cards."""

    credit_limits: dict[str, Decimal] = field(default_factory=dict)
    default_credit_limit: Decimal = Decimal(5000)
    stock: dict[str, int] = field(default_factory=dict)
    default_stock: int = 100
    restock_days: int = 10
    tax_rates: dict[str, Decimal] = field(default_factory=dict)
    default_tax_rate: Decimal = Decimal("0.21")
    shipping_fee: Decimal = Decimal("6.95")
    declined_tokens: set[str] = field(default_factory=set)
    today: date = field(default_factory=date.today)

    def answer(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """The back office's fields of the result, or ``{"error": ...}``."""
        handler = {"credit.check": self._credit, "availability.check": self._availability,
                   "price.calculate": self._price, "payment.authorize": self._payment}.get(
                       operation)
        if handler is None:
            return {"error": {"code": "backoffice.operation_unknown",
                              "message": f"this back office does not do {operation}"}}
        return handler(request)

    def _credit(self, request: dict[str, Any]) -> dict[str, Any]:
        limit = self.credit_limits.get(request["account_id"], self.default_credit_limit)
        amount = Decimal(request["amount"])
        if amount <= limit:
            return {"decision": "approved"}
        if amount <= limit * Decimal("1.5"):
            return {"decision": "review",
                    "reason": f"{amount} is over the account's limit of {limit}"}
        return {"decision": "declined", "reason": f"{amount} is far over the limit of {limit}"}

    def _availability(self, request: dict[str, Any]) -> dict[str, Any]:
        lines = []
        for item in request["items"]:
            on_hand = self.stock.get(item["product_code"], self.default_stock)
            wanted = date.fromisoformat(item["requested_date"]) if item.get(
                "requested_date") else self.today
            ready = max(wanted, self.today) if on_hand >= item["quantity"] else (
                self.today + timedelta(days=self.restock_days))
            lines.append({"line_id": item["line_id"], "product_code": item["product_code"],
                          "available_quantity": on_hand, "available_date": ready.isoformat()})
        return {"lines": lines}

    def _price(self, request: dict[str, Any]) -> dict[str, Any]:
        order = request["order"]
        lines = []
        for item in order["items"]:
            rate = self.tax_rates.get(item["product_code"], self.default_tax_rate)
            price = item.get("price") or {}
            value = (Decimal(price.get("one_time", "0")) + Decimal(price.get("recurring", "0"))
                     ) * item.get("quantity", 1)
            lines.append({"line_id": item["line_id"],
                          "tax": str((value * rate).quantize(CENT, ROUND_HALF_UP))})
        shipping = self.shipping_fee if order.get("shipping") else Decimal(0)
        tax_total = sum((Decimal(line["tax"]) for line in lines), Decimal(0))
        return {"lines": lines, "tax_total": str(tax_total), "shipping": str(shipping)}

    def _payment(self, request: dict[str, Any]) -> dict[str, Any]:
        if request["card_token"] in self.declined_tokens:
            return {"decision": "declined", "reason": "the card issuer declined"}
        return {"decision": "authorized"}


@dataclass(frozen=True)
class Seen:
    """A request as the back office received it."""

    routing_key: str
    message_id: str | None
    correlation_id: str | None
    body: bytes


class BackOfficeSimulator:
    """Serves a :class:`BackOfficeBook` on the broker until stopped."""

    def __init__(self, amqp_url: str, book: BackOfficeBook | None = None,
                 queue: str = "backoffice.simulator") -> None:
        self.book = book or BackOfficeBook()
        self.seen: list[Seen] = []
        # operations it receives but never answers, or answers with nonsense (for tests)
        self.silent: set[str] = set()
        self.garbled: set[str] = set()
        # how long each answer takes, and the most requests it was working on at once
        self.delay = 0.0
        self.busy = 0
        self.peak_busy = 0
        self._url = amqp_url
        self._queue_name = queue

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=500)
        out = await channel.declare_exchange("hub.out", "topic", durable=True)
        queue = await channel.declare_queue(self._queue_name, exclusive=True, auto_delete=True)
        await queue.bind(out, "backoffice.#")
        self._channel = channel
        await queue.consume(self._on_request)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._connection.close()

    def requests(self, operation: str) -> list[Seen]:
        return [s for s in self.seen if s.routing_key == f"backoffice.{operation}"]

    async def _on_request(self, message: AbstractIncomingMessage) -> None:
        async with message.process():
            key = message.routing_key or ""
            operation = key.removeprefix("backoffice.")
            self.seen.append(Seen(key, message.message_id, message.correlation_id,
                                  message.body))
            if operation in self.silent or not message.reply_to:
                return
            self.busy += 1
            self.peak_busy = max(self.peak_busy, self.busy)
            try:
                await asyncio.sleep(self.delay)
                await self._answer(message, operation, key)
            finally:
                self.busy -= 1

    async def _answer(self, message: AbstractIncomingMessage, operation: str, key: str) -> None:
        if operation in self.garbled:
            body = json.dumps({"decision": "maybe", "lines": "none"}).encode()
        else:
            body = json.dumps(self.book.answer(operation, json.loads(message.body))).encode()
        await self._channel.default_exchange.publish(
            aio_pika.Message(body, correlation_id=message.correlation_id,
                             content_type="application/json", type=f"{key}.answer"),
            routing_key=message.reply_to or "")
