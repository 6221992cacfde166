"""Small builders of canonical messages as plain dicts, the way a caller sends them."""

import itertools
from typing import Any

_ids = itertools.count(1)


def a_line(line_id: str = "1", **overrides: Any) -> dict[str, Any]:
    line = {"line_id": line_id, "action": "add", "product_code": "PHONE-SVC",
            "product_name": "Phone service", "trackable": True, "quantity": 1,
            "attributes": {"minutes": 1500},
            "price": {"one_time": "0", "recurring": "19.99"}}
    return line | overrides


def an_order(order_id: str | None = None, *items: dict[str, Any], **overrides: Any
             ) -> dict[str, Any]:
    order = {"order_id": order_id or f"ORD-{next(_ids)}", "revision": 1, "kind": "new",
             "account_id": "ACC-42", "currency": "EUR",
             "submitted_at": "2026-11-23T09:00:00+00:00",
             "customer_email": "jo@example.com", "items": list(items) or [a_line()]}
    return order | overrides
