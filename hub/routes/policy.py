"""The one error policy of every ASI route: refuse clearly, dead-letter with a reason, never lose.

- unreadable (too large, not JSON, no message_id) or invalid (pydantic) requests are answered
  ``rejected`` with stable codes, remembered in the inbox, and copied to ``asi.<op>.dlq`` with
  ``x-hub-error``; the delivery is then acked.
- a use case that refuses (business rule) is handled the same way.
- an unexpected failure is requeued with backoff; after ``max_attempts`` deliveries the message
  goes to the DLQ with the failure as its reason.
- an operation may screen the raw body first (card numbers in payment requests): a screened
  request is refused before anything parses or logs it, and dead-lettered as the screen
  rewrote it.
"""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from faststream import BaseMiddleware
from faststream.exceptions import NackMessage
from faststream.rabbit import RabbitResponse
from pydantic import ValidationError

from hub.canonical.replies import Reply, reply_message_id
from hub.errors import HubError, error, json_path
from hub.interfaces.exactly_once import rejection
from hub.interfaces.rejections import record_rejection
from hub.interfaces.request import Request
from hub.routes.envelope import REQUEST_KEY, request_of, subject_of, unidentifiable, unreadable
from hub.store.unit_of_work import UnitOfWork

log = logging.getLogger("hub.policy")
DeadLetter = Callable[[AbstractIncomingMessage, str, list[HubError], bytes | None],
                      Awaitable[None]]


@dataclass(frozen=True)
class Screen:
    """What an operation refuses to even read, and how a refused body is kept instead."""

    problems: Callable[[bytes], list[HubError]]
    kept_as: Callable[[bytes], bytes]


@dataclass(frozen=True)
class ErrorPolicy:
    """Builds the per-message middleware; one instance serves every ASI router."""

    new_uow: Callable[[str | None], UnitOfWork]
    dead_letter: DeadLetter
    max_bytes: int
    max_attempts: int
    # the partner vhost this policy guards; None for the brand owner's vhost
    channel: str | None = None
    # the partner that vhost belongs to
    channel_partner: str | None = None
    screens: Mapping[str, Screen] = field(default_factory=dict)

    def __call__(self, msg: Any, /, *, context: Any) -> BaseMiddleware:
        return _PolicyScope(msg, context=context, policy=self)


class _PolicyScope(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, policy: ErrorPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: Any) -> Any:
        raw: AbstractIncomingMessage = msg.raw_message
        operation = self.context.get_local("handler_").queue.name.removeprefix("asi.")
        kept_body = None
        screen = self.policy.screens.get(operation)
        if screen is not None and (problems := screen.problems(raw.body)):
            reply = await self._refuse(raw, operation, problems)
            kept_body = screen.kept_as(raw.body)
        else:
            reply = await self._answer(call_next, msg, raw, operation)
        if reply.rejected:
            await self.policy.dead_letter(raw, operation, reply.errors, kept_body)
        return RabbitResponse(
            reply.model_dump_json().encode(), content_type="application/json",
            message_type=f"{operation}.reply", correlation_id=raw.correlation_id,
            message_id=self._reply_id(raw, operation), persist=True,
        )

    def _request(self, raw: AbstractIncomingMessage, operation: str) -> Request:
        return request_of(raw, operation, self.policy.channel, self.policy.channel_partner)

    def _reply_id(self, raw: AbstractIncomingMessage, operation: str) -> str:
        """Stable across redeliveries, so a caller can tell a repeated reply from a new one."""
        caller = f"{self.policy.channel or '/'}/{raw.user_id or ''}"
        request_id = raw.message_id or f"sha256:{hashlib.sha256(raw.body).hexdigest()}"
        return reply_message_id(caller, operation, request_id)

    async def _answer(self, call_next: Any, msg: Any, raw: AbstractIncomingMessage,
                      operation: str) -> Reply:
        if problem := _reading_problem(raw, self.policy.max_bytes):
            return await self._refuse(raw, operation, [problem])
        try:
            with self.context.scope(REQUEST_KEY, self._request(raw, operation)):
                return await call_next(msg)
        except ValidationError as exc:
            return await self._refuse(raw, operation, errors_of(exc))
        except Exception as exc:  # noqa: BLE001 - the policy: requeue, then dead-letter
            return await self._failed(raw, operation, exc)

    async def _refuse(self, raw: AbstractIncomingMessage, operation: str,
                      errors: list[HubError]) -> Reply:
        if unidentifiable(raw):
            # no id the stores can hold: answered and dead-lettered, but not remembered
            return rejection(Request(operation=operation, message_id=""), errors)
        request = self._request(raw, operation)
        return await record_rejection(self.policy.new_uow(raw.correlation_id), request, errors,
                                      subject_of(raw))

    async def _failed(self, raw: AbstractIncomingMessage, operation: str, exc: Exception) -> Reply:
        attempt = int((raw.headers or {}).get("x-delivery-count") or 0) + 1
        if attempt < self.policy.max_attempts:
            log.warning("%s %s failed on attempt %d, requeued: %r",
                        operation, raw.message_id, attempt, exc)
            await asyncio.sleep(min(0.05 * 2**attempt, 2.0))
            raise NackMessage(requeue=True) from exc
        log.error("%s %s failed %d times, dead-lettered", operation, raw.message_id, attempt,
                  exc_info=exc)
        problem = error("hub.internal_error",
                        f"the hub could not process this request after {attempt} attempts: "
                        f"{type(exc).__name__}: {exc}")
        return rejection(Request(operation=operation, message_id=str(raw.message_id or "")),
                         [problem])


def _reading_problem(raw: AbstractIncomingMessage, max_bytes: int) -> HubError | None:
    """Why the request cannot be read; a reader that fails is a refusal, never a poison message."""
    try:
        return unreadable(raw, max_bytes)
    except Exception as exc:  # noqa: BLE001 - whatever the body did to the reader, answer it
        log.warning("reading %s failed: %r", raw.message_id, exc)
        return error("request.not_json", f"the body could not be read: {type(exc).__name__}")


def errors_of(exc: ValidationError) -> list[HubError]:
    """pydantic's errors as the contract's: our own codes pass through, the rest get a family."""
    return [
        HubError(
            code=_code(e["type"]),
            # the first location is the handler's parameter, not part of the message
            path=json_path(tuple(e["loc"])[1:]),
            message=e["msg"],
        )
        for e in exc.errors(include_url=False)
    ]


def _code(pydantic_type: str) -> str:
    if "." in pydantic_type:
        return pydantic_type
    if pydantic_type == "missing":
        return "request.field_missing"
    return "request.field_invalid"
