"""The mail connector's queue: acknowledgements the hub asked to send, sent by SMTP."""

import asyncio
import logging

from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitMessage, RabbitRouter

from connectors.smtp_mailer import SmtpMailer
from hub.canonical.notifications import Mail
from hub.delivery.topology import OUT, QueuePolicy

log = logging.getLogger("hub.mail")
MAIL_QUEUE = "hub.notifications.email"


def mail_router(queues: QueuePolicy, mailer: SmtpMailer) -> RabbitRouter:
    """Consume ``notification.email`` from ``hub.out``; SMTP trouble requeues with backoff."""
    router = RabbitRouter()

    @router.subscriber(queues.connector_queue(MAIL_QUEUE, "notification.email"), OUT,
                       ack_policy=AckPolicy.NACK_ON_ERROR, title=MAIL_QUEUE,
                       description="E-mails to customers, sent through SMTP")
    async def send_mail(mail: Mail, msg: RabbitMessage) -> None:
        attempt = int((msg.raw_message.headers or {}).get("x-delivery-count") or 0)
        if attempt:
            await asyncio.sleep(min(0.2 * 2**attempt, 30.0))
        await mailer.send(mail)
        log.info("mailed %s: %s", mail.to, mail.subject)

    return router
