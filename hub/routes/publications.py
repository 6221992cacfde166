"""What the hub publishes, declared so the AsyncAPI document lists it; the outbox relay sends it."""

from faststream.rabbit import RabbitBroker

from hub.canonical.events import Event
from hub.delivery.topology import EVENTS, OUT

EVENT_NAMES = {
    "order.accepted": "an order revision passed every check and went to billing and provisioning",
    "order.rejected": "an order (or a held order's approval) was refused; `data.errors` says why",
    "order.approval_requested": "an order over the approval threshold awaits a supervisor",
    "order.revised": "a revision superseded the previous one (or, held, waits beside it); "
                     "`data.changes` lists the lines",
    "order.revision_rejected": "a held revision was refused; the revision in force carries on",
    "order.cancelled": "an open order was cancelled",
    "order.status_changed": "the order's status, derived from its lines, changed",
    "order.completed": "every line reached a final status",
    "asset.synced": "fulfilled lines were applied to the account's assets",
    "order.shipped": "the warehouse shipped some lines: shipment id, carrier, tracking id, lines",
    "order.activity_updated": "field service moved an order's activity (installation, ...) on",
    "opportunity.transfer_status": "where an opportunity transfer or update stands",
    "opportunity.updated": "a partner's progress on an opportunity, mapped back",
    "opportunity.received": "a partner transferred its own lead to the brand owner",
    "partner.status_changed": "a partner applied, was approved or suspended",
    "partner.user_assigned": "a partner employee was assigned as a power or standard user",
    "partner.user_removed": "a partner employee may no longer act for the partner",
    "partner.alert": "news for partners; also delivered on each recipient's `partner.events`",
    "catalog.changed": "the product master synced products; `data.product_codes` lists them",
}
BACK_OFFICE = {
    "billing.order": "each accepted order revision as billing XML (schemas/billing/order.xsd)",
    "billing.asset": "asset changes as billing XML (schemas/billing/asset.xsd)",
    "provisioning.order": "the fulfilment order: canonical lines and a revision's changes",
    "notification.email": "an e-mail to the customer: {to, subject, text, html, order_id, kind}",
    "backoffice.credit.check": "a credit check for the back office; answer on reply_to",
    "backoffice.availability.check": "a stock question for the back office; answer on reply_to",
    "backoffice.price.calculate": "tax and shipping for an order; answer on reply_to",
    "backoffice.payment.authorize": "a card authorisation (token only); answer on reply_to",
}


def declare_publications(broker: RabbitBroker) -> None:
    for name, description in EVENT_NAMES.items():
        broker.publisher(name, exchange=EVENTS, persist=True, title=f"hub.events:{name}",
                         description=description, schema=Event)
    for key, description in BACK_OFFICE.items():
        broker.publisher(key, exchange=OUT, persist=True, title=f"hub.out:{key}",
                         description=description)
