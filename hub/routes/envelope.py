"""Reading the AMQP envelope of an ASI request (docs/contract.md: Envelope)."""

from contextvars import ContextVar
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from faststream import Context

from hub.canonical.types import text_problem
from hub.errors import HubError, error
from hub.interfaces.request import Request
from hub.strict_json import JsonRefused, read_json

JSON_TYPES = (None, "application/json")
# the inbox's and the outbox's columns: an id the stores cannot hold cannot be remembered
MAX_ID_LENGTH = 200
# the partner employee acting on a partner's vhost
ACTING_USER_HEADER = "x-acting-user"

# the body of the delivery this task handles, as `unreadable` read it: read once, not twice
_READ: ContextVar[tuple[bytes, Any] | None] = ContextVar("hub_request_body", default=None)

# the context key under which the error policy hands each route its Request
REQUEST_KEY = "hub_request"


# the class of the field ``faststream.Context`` builds
_ContextField: type = type(Context())


class InlineContext(_ContextField):
    """FastStream's ``Context``, resolved on the event loop.

    fast_depends runs a custom field's plain ``use`` in a worker thread (``anyio.to_thread``),
    one thread hop per message; a coroutine ``use`` it awaits in place. Routes are coroutines,
    so only the awaited path is ever taken.
    """

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        resolved: dict[str, Any] = _ContextField.use(self, **kwargs)
        return resolved


# a route parameter's default: the Request of the message being handled, which the error
# policy builds once per delivery from the subscriber's queue (so the operation is named once,
# where the route subscribes), the envelope and the vhost
CURRENT_REQUEST: Any = InlineContext(REQUEST_KEY)


def request_of(raw: AbstractIncomingMessage, operation: str, channel: str | None = None,
               channel_partner: str | None = None) -> Request:
    """The request as interfaces see it; ``message_id`` must be present (checked first)."""
    return Request(
        operation=operation,
        message_id=str(raw.message_id),
        correlation_id=raw.correlation_id,
        user_id=raw.user_id,
        channel=channel,
        channel_partner=channel_partner,
        acting_user=_text((raw.headers or {}).get(ACTING_USER_HEADER)),
    )


def unidentifiable(raw: AbstractIncomingMessage) -> HubError | None:
    """Why the request cannot be told apart from others (so it cannot be remembered), or None."""
    if not raw.message_id:
        return error("request.message_id_missing",
                     "set the AMQP message_id property: it is how the hub recognises a resend")
    for name, value in (("message_id", raw.message_id), ("correlation_id", raw.correlation_id)):
        if value is None:
            continue
        if reason := (text_problem(value) if len(value) <= MAX_ID_LENGTH
                      else f"is {len(value)} characters long; the limit is {MAX_ID_LENGTH}"):
            return error(f"request.{name}_invalid", f"the {name} {reason}")
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return None if value is None else str(value)


def unreadable(raw: AbstractIncomingMessage, max_bytes: int) -> HubError | None:
    """Why the message cannot even be read, or None when it can."""
    if len(raw.body) > max_bytes:
        return error("request.too_large",
                     f"the body is {len(raw.body)} bytes; the limit is {max_bytes}")
    content_type = (raw.content_type or "").split(";")[0].strip() or None
    if content_type not in JSON_TYPES:
        return error("request.content_type",
                     f"content type {raw.content_type} is not accepted here; send application/json")
    try:
        body = read_json(raw.body)
    except JsonRefused as refused:
        return refused.problem
    if not isinstance(body, dict):
        return error("request.not_object", "the body must be a JSON object")
    _READ.set((raw.body, body))
    return unidentifiable(raw)


def request_body(data: bytes) -> Any:
    """The body as `unreadable` read it for this delivery, or read now when it did not."""
    read = _READ.get()
    if read is not None and read[0] is data:
        return read[1]
    return read_json(data)


def subject_of(raw: AbstractIncomingMessage) -> dict[str, Any]:
    """The order or opportunity a request is about, as far as the body says (for events)."""
    try:
        body = read_json(raw.body)
    except JsonRefused:
        return {}
    if not isinstance(body, dict):
        return {}
    # only short scalars: the subject of a refused request may be as hostile as the rest of it
    return {key: body[key] for key in ("order_id", "revision", "opportunity_id")
            if isinstance(body.get(key), str | int) and len(str(body[key])) <= 64}
