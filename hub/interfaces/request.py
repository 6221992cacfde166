"""What an interface knows of the message that asked for it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    operation: str
    message_id: str
    correlation_id: str | None = None
    # broker-validated identity of the caller (partners); None for the brand owner's own apps
    user_id: str | None = None
    # the partner whose own vhost carried the request; None on the brand owner's vhost
    channel_partner: str | None = None
    # the partner employee named in the ``x-acting-user`` header (partner vhosts)
    acting_user: str | None = None
