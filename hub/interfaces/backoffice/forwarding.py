"""Asking the back office on a caller's behalf: outside any transaction, answered exactly once.

The request is acknowledged only after the reply is sent, so a worker that dies while waiting
leaves it in its queue; the next delivery forwards it again with the same ``message_id``.
Neither "unavailable" nor an unusable answer is remembered: a resend or a replay asks again.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel

from hub.backoffice.answers import Misfit, read_answer
from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected, error
from hub.interfaces.exactly_once import exactly_once, rejection
from hub.interfaces.ports import BackOffice, BackOfficeUnavailable
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork

A = TypeVar("A", bound=BaseModel)
Record = Callable[[UnitOfWork, A], Awaitable[tuple[str, dict]]]


async def forward(
    uow: UnitOfWork, request: Request, back_office: BackOffice, asked: BaseModel,
    answer_model: type[A], record: Record[A], fits: Callable[[A], None] = lambda _: None,
    problems: list[HubError] | None = None,
) -> Reply:
    """Forward ``asked``, check the answer fits, then ``record`` it with the reply.

    ``problems`` found in the request before forwarding refuse it without asking anyone.
    """
    if problems:
        return await exactly_once(uow, request, _refuse(problems))
    async with uow:
        if (stored := await uow.inbox.reply_for(request.message_id)) is not None:
            return Reply.model_validate(stored)
    try:
        body = await back_office.ask(request.operation, asked.model_dump_json().encode(),
                                     request.message_id)
    except BackOfficeUnavailable as exc:
        return rejection(request, [error("backoffice.unavailable", f"{exc}; try again later")])
    try:
        answer = read_answer(body, answer_model)
        if not isinstance(answer, list):
            fits(answer)
    except Misfit as misfit:
        return rejection(request, misfit.errors)

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        if isinstance(answer, list):
            raise Rejected(*answer)
        return await record(uow, answer)

    return await exactly_once(uow, request, use_case)


def _refuse(problems: list[HubError]) -> Callable[[UnitOfWork], Awaitable[tuple[str, dict]]]:
    async def refuse(_: UnitOfWork) -> tuple[str, dict]:
        raise Rejected(*problems)

    return refuse
