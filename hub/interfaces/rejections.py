"""Requests refused before any use case could run: remembered and announced like any other."""

from typing import Any

from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork

# which refused operations the front office hears about, and as what event
REJECTION_EVENTS = {"order.submit": "order.rejected"}


async def record_rejection(
    uow: UnitOfWork, request: Request, errors: list[HubError], subject: dict[str, Any]
) -> Reply:
    """Answer with ``errors`` now and on every resend of the same message."""

    async def refuse(_: UnitOfWork) -> tuple[str, dict]:
        raise Rejected(*errors)

    def announce(uow: UnitOfWork, errors: list[HubError]) -> None:
        if event := REJECTION_EVENTS.get(request.operation):
            uow.outbox.event(event, {**subject, "errors": [e.model_dump() for e in errors]})

    return await exactly_once(uow, request, refuse, announce)
