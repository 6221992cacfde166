"""A WS-Security UsernameToken with a PasswordDigest, and the checks on it that need no I/O."""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.errors import Rejected, error

MAX_NONCE_CHARS = 88  # base64 of 64 bytes; zeep and most stacks send 16


@dataclass(frozen=True)
class UsernameToken:
    """What the caller claims: who it is, and proof that it knows the password."""

    username: str
    digest: str
    nonce: str
    created: str

    def created_at(self) -> datetime:
        """When the caller made the token; refused unless it is a time with a zone."""
        try:
            moment = datetime.fromisoformat(self.created)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise Rejected(error("soap.token_invalid", "wsu:Created must be a time with its "
                                 "zone, e.g. 2026-11-27T10:00:00Z", "Security.Created"))
        return moment

    def expires_at(self, window: timedelta) -> datetime:
        """Until when a token with this nonce would pass :func:`check_fresh`."""
        return self.created_at().astimezone(UTC) + window

    def proves(self, password: str) -> bool:
        """Whether the digest was made with ``password``, compared in constant time."""
        expected = password_digest(_nonce_bytes(self.nonce), self.created, password)
        return hmac.compare_digest(expected.encode(), self.digest.strip().encode())


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """Base64(SHA-1(nonce + created + password)), as the UsernameToken Profile 1.0 defines it."""
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()
                            ).decode("ascii")


def check_fresh(token: UsernameToken, now: datetime, window: timedelta) -> None:
    """Refuse a token made longer ago than ``window``, or further ahead (clock skew)."""
    if abs(now - token.created_at()) > window:
        raise Rejected(error("soap.message_expired",
                             f"wsu:Created {token.created} is more than "
                             f"{int(window.total_seconds())} s from the hub's clock",
                             "Security.Created"))


def _nonce_bytes(nonce: str) -> bytes:
    try:
        return base64.b64decode(nonce, validate=True)
    except (binascii.Error, ValueError):
        raise Rejected(error("soap.token_invalid", "wsse:Nonce must be base64",
                             "Security.Nonce")) from None
