"""Reading the AMQP envelope of an ASI request (CONTRACT.md: Envelope)."""

import json
from typing import Any

from aio_pika.abc import AbstractIncomingMessage

from hub.errors import HubError, error
from hub.interfaces.request import Request

JSON_TYPES = (None, "application/json")
# the partner employee acting on a partner's vhost
ACTING_USER_HEADER = "x-acting-user"


def request_of(raw: AbstractIncomingMessage, operation: str) -> Request:
    """The request as interfaces see it; ``message_id`` must be present (checked first)."""
    return Request(
        operation=operation,
        message_id=str(raw.message_id),
        correlation_id=raw.correlation_id,
        user_id=raw.user_id,
        acting_user=_text((raw.headers or {}).get(ACTING_USER_HEADER)),
    )


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
        body = json.loads(raw.body)
    except (UnicodeDecodeError, ValueError) as exc:
        return error("request.not_json", f"the body is not JSON: {exc}")
    if not isinstance(body, dict):
        return error("request.not_object", "the body must be a JSON object")
    if not raw.message_id:
        return error("request.message_id_missing",
                     "set the AMQP message_id property: it is how the hub recognises a resend")
    return None


def subject_of(raw: AbstractIncomingMessage) -> dict[str, Any]:
    """The order or opportunity a request is about, as far as the body says (for events)."""
    try:
        body = json.loads(raw.body)
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(body, dict):
        return {}
    return {key: body[key] for key in ("order_id", "revision", "opportunity_id") if key in body}
