"""Run a use case at most once per ``message_id``, answering repeats from the inbox."""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError

from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork

UseCase = Callable[[UnitOfWork], Awaitable[tuple[str, dict[str, Any]]]]
OnRejected = Callable[[UnitOfWork, list[HubError]], None]

# a commit can lose a race (same message twice at once, two revisions of one order): retry
_ATTEMPTS = 3


async def exactly_once(
    uow: UnitOfWork, request: Request, use_case: UseCase, on_rejected: OnRejected | None = None
) -> Reply:
    """Answer from the inbox, or run ``use_case`` and keep its reply with its effects."""
    for attempt in range(_ATTEMPTS):
        async with uow:
            if (stored := await uow.inbox.reply_for(request.message_id)) is not None:
                return Reply.model_validate(stored)
            try:
                reply = await _run(uow, request, use_case, on_rejected)
                uow.inbox.remember(
                    request.message_id, request.operation, reply.model_dump(mode="json")
                )
                await uow.commit()
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            return reply
    raise AssertionError("unreachable")  # pragma: no cover


async def _run(
    uow: UnitOfWork, request: Request, use_case: UseCase, on_rejected: OnRejected | None
) -> Reply:
    try:
        status, result = await use_case(uow)
    except Rejected as rejected:
        await uow.rollback()
        if on_rejected is not None:
            on_rejected(uow, rejected.errors)
        return rejection(request, rejected.errors)
    return Reply(status=status, operation=request.operation, request_id=request.message_id,
                 result=result)


def rejection(request: Request, errors: list[HubError]) -> Reply:
    return Reply(status="rejected", operation=request.operation,
                 request_id=request.message_id, errors=errors)
