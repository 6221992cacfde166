"""A hostile caller's corpus: each request is refused with its code, dead-lettered with its
reason at once, and leaves nothing behind, on SQLite and PostgreSQL alike."""

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.client import HubCaller
from hub.store.tables import OrderRow, OutboxRow
from tests.support.factories import a_line, an_order
from tests.support.hubs import dead_letters

pytestmark = pytest.mark.integration

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1)) * 10
                                                         if n > 1 else b"&lol;" * 10)
                             for n in range(1, 10))
                  + b"]><lolz>&lol9;</lolz>")
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>'


def order_with(**line: Any) -> dict[str, Any]:
    return an_order("HOSTILE", a_line("1", **line))


def raw(text: str) -> bytes:
    """A JSON body written by hand, for what json.dumps would never write."""
    return text.encode("utf-8", "surrogatepass")


ORDER = json.dumps(an_order("HOSTILE"))
# operation, body, AMQP properties, expected code, expected path
CORPUS: dict[str, tuple[str, Any, dict[str, Any], str, str | None]] = {
    "deep nesting": ("order.submit", b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                     {}, "request.too_deep", None),
    "nesting past 64 levels": ("order.submit", raw('{"a": ' + "[" * 70 + "]" * 70 + "}"), {},
                               "request.too_deep", "a[0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                               "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                               "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                               "[0][0][0][0][0][0][0]"),
    "NaN": ("order.submit", raw(ORDER.replace('"minutes": 1500', '"minutes": NaN')), {},
            "request.not_json", None),
    "Infinity": ("order.submit", raw(ORDER.replace('"minutes": 1500', '"minutes": -Infinity')),
                 {}, "request.not_json", None),
    "1e400": ("order.submit", raw(ORDER.replace('"minutes": 1500', '"minutes": 1e400')), {},
              "request.number_invalid", "items[0].attributes.minutes"),
    "attribute beyond 64 bits": ("order.submit", order_with(attributes={"n": 2**64}), {},
                                 "request.number_invalid", "items[0].attributes.n"),
    "quantity 10^30": ("order.submit", order_with(quantity=10**30), {},
                       "line.quantity_invalid", "items[0].quantity"),
    "quantity 2^63": ("order.submit", order_with(quantity=2**63), {},
                      "line.quantity_invalid", "items[0].quantity"),
    "quantity 1,000,001": ("order.submit", order_with(quantity=1_000_001), {},
                           "line.quantity_invalid", "items[0].quantity"),
    "quantity 0": ("order.submit", order_with(quantity=0), {}, "line.quantity_invalid",
                   "items[0].quantity"),
    "price of 13 digits": ("order.submit", order_with(price={"one_time": "1234567890123"}), {},
                           "money.invalid", "items[0].price.one_time"),
    "total over Numeric(18,4)": ("order.submit", order_with(
        quantity=1_000_000, price={"one_time": "999999999999.9999"}), {},
        "order.total_invalid", None),
    "NUL in a name": ("order.submit", order_with(product_name="Phone\x00service"), {},
                      "request.text_invalid", "items[0].product_name"),
    "control character in an attribute key": ("order.submit", order_with(
        attributes={"colour\x1b[31m": "red"}), {}, "request.text_invalid",
        "items[0].attributes.colour\\x1b[31m"),
    "lone surrogate": ("order.submit", raw(ORDER.replace("Phone service", "\\ud800 service")),
                       {}, "request.text_invalid", "items[0].product_name"),
    "invalid UTF-8": ("order.submit", b'{"order_id": "\xc3\x28"}', {}, "request.not_json", None),
    "10 MB body": ("order.submit", b'{"x": "' + b"a" * 10_000_000 + b'"}', {},
                   "request.too_large", None),
    "message_id over 200 characters": ("order.submit", an_order("HOSTILE"),
                                       {"message_id": "m" * 201},
                                       "request.message_id_invalid", None),
    "NUL in the message_id": ("order.submit", an_order("HOSTILE"), {"message_id": "m\x00"},
                              "request.message_id_invalid", None),
    "correlation_id over 200 characters": ("order.submit", an_order("HOSTILE"),
                                           {"correlation_id": "c" * 201},
                                           "request.correlation_id_invalid", None),
    "SQL in an identifier": ("order.submit", an_order("x'; DROP TABLE orders; --"), {},
                             "request.field_invalid", "order_id"),
    "billion laughs": ("order.submit", BILLION_LAUGHS, {"content_type": "application/xml"},
                       "request.content_type", None),
    "billion laughs sent as JSON": ("order.submit", BILLION_LAUGHS, {}, "request.not_json",
                                    None),
    "XXE": ("order.submit", XXE, {"content_type": "application/xml"}, "request.content_type",
            None),
    "revision beyond int4": ("order.approve", {"order_id": "HOSTILE", "revision": 2**40,
                                               "decision": "approve", "approver": "sup"}, {},
                             "request.field_invalid", "revision"),
    "NUL in a fulfilment reason": ("fulfilment.status", {
        "order_id": "HOSTILE", "revision": 1, "system": "provisioning",
        "lines": [{"line_id": "1", "status": "failed", "reason": "no\x00"}]}, {},
        "request.text_invalid", "lines[0].reason"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
async def test_hostile_request_is_refused_with_its_code_dead_lettered_and_stores_nothing(
    hub, caller: HubCaller, amqp_url: str, case: str
):
    operation, body, properties, code, path = CORPUS[case]
    reply = await caller.call(operation, body, timeout=60, **properties)

    refused = reply.json()
    assert refused["status"] == "rejected"
    assert (refused["errors"][0]["code"], refused["errors"][0]["path"]) == (code, path)
    [dead] = await _dead_letter(amqp_url, operation)
    assert dead.headers["x-hub-error-code"] == code
    assert code in dead.headers["x-hub-error"]
    async with hub.database.engine.connect() as connection:
        orders = await connection.scalar(select(func.count()).select_from(OrderRow))
        billed = await connection.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.routing_key == "billing.order"))
    assert (orders, billed) == (0, 0)


async def test_sql_and_odd_text_in_free_text_are_kept_as_text(hub, caller: HubCaller):
    name = "Robert'); DROP TABLE orders; -- 😀 é \t"
    reply = await caller.call("order.submit", order_with(product_name=name))
    assert reply.json()["status"] == "accepted"
    got = await caller.call("order.get", {"order_id": "HOSTILE"})
    assert got.json()["result"]["items"][0]["product_name"] == name


async def _dead_letter(amqp_url: str, operation: str) -> list:
    for _ in range(100):
        if found := await dead_letters(amqp_url, operation):
            return found
        await asyncio.sleep(0.1)
    return []
