"""Send a customer e-mail once per ``message_id``, however often the relay repeats it."""

from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError

from hub.canonical.replies import Reply
from hub.interfaces.exactly_once import stored_reply
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork

OPERATION = "notification.email"
# the mail connector is its own caller in the inbox: its ids never meet a request's
MAILER = "mailer"


async def send_once(uow: UnitOfWork, message_id: str, send: Callable[[], Awaitable[None]]
                    ) -> bool:
    """Send unless this message was mailed already; True when it was sent now."""
    request = Request(operation=OPERATION, message_id=message_id, channel=MAILER)
    async with uow:
        if await stored_reply(uow, request) is not None:
            return False
    await send()
    sent = Reply(status="ok", operation=OPERATION, request_id=message_id, result={})
    try:
        async with uow:
            uow.inbox.remember(request.caller, message_id, OPERATION, sent.model_dump(mode="json"))
            await uow.commit()
    except IntegrityError:
        pass  # another worker sent it at the same moment and recorded it first
    return True
