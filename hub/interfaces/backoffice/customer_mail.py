"""The customer's e-mails: one per thing that happened to the order, never a second."""

from typing import Any

from hub.canonical.orders import Order
from hub.store.unit_of_work import UnitOfWork


async def mail_customer(uow: UnitOfWork, order: Order, kind: str, about: str = "",
                        **context: Any) -> None:
    """Record the ``kind`` e-mail for ``notification.email``, unless it was sent before.

    ``about`` names the thing within the order (a shipment, an activity) when there can be
    several of that kind.
    """
    if not order.customer_email:
        return
    topic = f"{kind}:{about}" if about else kind
    if await uow.after_order.mailed(order.order_id, topic):
        return
    mail = uow.mail_templates.render(kind, order.customer_email, order.order_id,
                                     {"order": order.model_dump(mode="json"), **context})
    message_id = uow.outbox.send("notification.email",
                                 mail.model_dump_json(exclude_none=True).encode(),
                                 "application/json", "notification.email")
    await uow.after_order.remember_mail(order.order_id, topic, message_id)
