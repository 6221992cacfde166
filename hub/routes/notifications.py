"""The mail connector's queue: acknowledgements the hub asked to send, sent by SMTP."""

import asyncio
import logging
from collections.abc import Callable

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter

from connectors.smtp_mailer import SmtpMailer
from hub.canonical.notifications import Mail
from hub.delivery.topology import OUT, QueuePolicy
from hub.interfaces.notifications.mail import send_once
from hub.store.unit_of_work import UnitOfWork

log = logging.getLogger("hub.mail")
MAIL_QUEUE = "hub.notifications.email"


def mail_router(queues: QueuePolicy, mailer: SmtpMailer,
                new_uow: Callable[[], UnitOfWork]) -> RabbitRouter:
    """Consume ``notification.email`` from ``hub.out``; SMTP trouble requeues with backoff.

    A message the relay repeats (same ``message_id``) is not mailed a second time.
    """
    router = RabbitRouter()

    @router.subscriber(queues.connector_queue(MAIL_QUEUE, "notification.email"), OUT,
                       ack_policy=AckPolicy.NACK_ON_ERROR, title=MAIL_QUEUE,
                       description="E-mails to customers, sent through SMTP")
    async def send_mail(mail: Mail, msg: RabbitMessage) -> None:
        attempt = int((msg.raw_message.headers or {}).get("x-delivery-count") or 0)
        if attempt:
            await asyncio.sleep(min(0.2 * 2**attempt, 30.0))
        if await send_once(new_uow(), str(msg.raw_message.message_id),
                           lambda: mailer.send(mail)):
            log.debug("mailed %s: %s", mail.to, mail.subject)
        else:
            log.info("not mailing %s again: message %s was sent already", mail.to,
                     msg.raw_message.message_id)

    return router
