"""Canonical order to the provisioning system's fulfilment order (JSON)."""

import json
from datetime import date

from hub.canonical.changes import RevisionChanges
from hub.canonical.orders import Order


def order_to_fulfilment_order(order: Order, changes: RevisionChanges | None = None) -> bytes:
    """The whole revision with, for a revision, what changed since the previous one."""
    document = {
        "order_id": order.order_id,
        "revision": order.revision,
        "kind": order.kind,
        "account_id": order.account_id,
        "partner_id": order.partner_id,
        "quote_id": order.quote_id,
        "opportunity_id": order.opportunity_id,
        "requested_date": _day(order.requested_date),
        "billing_account_id": order.billing_account(),
        "service_account_id": order.service_account(),
        "shipping": None if order.shipping is None else order.shipping.model_dump(mode="json"),
        "activities": [activity.model_dump(mode="json") for activity in order.activities],
        "lines": [item.model_dump(mode="json") for item in order.items_with_accounts()],
        "changes": None if changes is None else changes.model_dump(mode="json"),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
