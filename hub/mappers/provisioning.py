"""Canonical order to the provisioning system's fulfilment order (JSON)."""

import json

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
        "lines": [item.model_dump(mode="json") for item in order.items],
        "changes": None if changes is None else changes.model_dump(mode="json"),
    }
    return json.dumps(document, separators=(",", ":")).encode()
