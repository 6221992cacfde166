"""What an interface knows of the message that asked for it."""

from dataclasses import dataclass

# every app of the brand owner on the hub's own vhost is one caller, whatever its user
BRAND_OWNER = "brand-owner"


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
    # the partner vhost the request came in on; None for the brand owner's vhost
    channel: str | None = None

    @property
    def caller(self) -> str:
        """Who sent it, as the inbox scopes ``message_id``s: the brand owner, or vhost/user."""
        if self.channel is None:
            return BRAND_OWNER
        return f"{self.channel}/{self.user_id or ''}"
