"""The one inbox protocol: a request is answered once per caller and ``message_id``.

The same caller resending the same ``message_id`` for the same operation gets the stored reply
and causes nothing; the same ``message_id`` for another operation is refused
(``request.message_id_reused``) and never answered with the other request's reply; different
callers (the brand owner, each partner vhost and user) never see each other's replies.
"""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected, error
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork

T = TypeVar("T")
UseCase = Callable[[UnitOfWork], Awaitable[tuple[str, dict[str, Any]]]]
OnRejected = Callable[[UnitOfWork, list[HubError]], None]

# a commit can lose a race (same message twice at once, two revisions of one order): retry
_ATTEMPTS = 3


async def stored_reply(uow: UnitOfWork, request: Request) -> Reply | None:
    """The answer this request already has, inside an open unit of work; None when it has none."""
    answered = await uow.inbox.find(request.caller, request.message_id)
    if answered is None:
        return None
    if answered.operation != request.operation:
        return rejection(request, [error(
            "request.message_id_reused",
            f"message_id {request.message_id} was already used for {answered.operation}; "
            "give every new request a new message_id", "message_id")])
    return Reply.model_validate(answered.reply)


async def exactly_once(
    uow: UnitOfWork, request: Request, use_case: UseCase, on_rejected: OnRejected | None = None
) -> Reply:
    """Answer from the inbox, or run ``use_case`` and keep its reply with its effects."""
    uow.expect_request(request.caller, request.message_id)
    for attempt in range(_ATTEMPTS):
        async with uow:
            if (stored := await stored_reply(uow, request)) is not None:
                return stored
            try:
                reply = await _run(uow, request, use_case, on_rejected)
                uow.inbox.remember(request.caller, request.message_id, request.operation,
                                   reply.model_dump(mode="json"))
                await uow.commit()
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            return reply
    raise AssertionError("unreachable")  # pragma: no cover


async def prepare(uow: UnitOfWork, request: Request,
                  step: Callable[[UnitOfWork], Awaitable[T]]) -> T | Reply:
    """Commit ``step`` without remembering a reply yet: the answer waits for a partner call.

    A request answered before gets its stored reply; a refused one is answered and remembered.
    """
    refused: list[HubError] = []
    uow.expect_request(request.caller, request.message_id)
    for attempt in range(_ATTEMPTS):
        async with uow:
            if (stored := await stored_reply(uow, request)) is not None:
                return stored
            try:
                prepared = await step(uow)
            except Rejected as rejected:
                refused = rejected.errors
                break
            try:
                await uow.commit()
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            return prepared

    async def refuse(_: UnitOfWork) -> tuple[str, dict]:
        raise Rejected(*refused)

    return await exactly_once(uow, request, refuse)


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
