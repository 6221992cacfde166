"""Sending an accepted order revision to billing, provisioning and the customer."""

from hub.canonical.changes import RevisionChanges
from hub.canonical.orders import Order
from hub.interfaces.backoffice.customer_mail import mail_customer
from hub.mappers.billing_xml import order_to_billing_xml
from hub.mappers.provisioning import order_to_fulfilment_order
from hub.store.unit_of_work import UnitOfWork


async def release_to_fulfilment(
    uow: UnitOfWork, order: Order, changes: RevisionChanges | None = None
) -> None:
    """Record billing XML, the provisioning order, the acknowledgement and ``order.accepted``."""
    uow.outbox.send("billing.order", order_to_billing_xml(order, changes),
                    "application/xml", "billing.order")
    uow.outbox.send("provisioning.order", order_to_fulfilment_order(order, changes),
                    "application/json", "provisioning.order")
    await mail_customer(uow, order, "acknowledged")
    uow.outbox.event("order.accepted", {
        "order_id": order.order_id, "revision": order.revision, "kind": order.kind,
        "account_id": order.account_id, "status": "acknowledged",
        "partner_id": order.partner_id, "acting_user": order.acting_user,
        "changes": None if changes is None else changes.model_dump(mode="json"),
        "total": str(order.total()), "currency": order.currency})


def send_cancellation(uow: UnitOfWork, order: Order, changes: RevisionChanges) -> None:
    """Tell billing and provisioning the order is cancelled, and the front office too."""
    uow.outbox.send("billing.order", order_to_billing_xml(order, changes),
                    "application/xml", "billing.order")
    uow.outbox.send("provisioning.order", order_to_fulfilment_order(order, changes),
                    "application/json", "provisioning.order")
    uow.outbox.event("order.cancelled", {
        "order_id": order.order_id, "revision": order.revision,
        "account_id": order.account_id, "status": "cancelled"})
