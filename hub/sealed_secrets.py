"""Partner passwords the hub must read back, sealed at rest under ``HUB_SECRET_KEY``.

WS-Security's PasswordDigest is Base64(SHA-1(nonce + created + password)): checking one needs
the password itself, so no one-way hash of it can be stored. The password is sealed with
Fernet (AES-128-CBC and HMAC-SHA256) under a key that lives in the settings, never in the
database: a copy of the database alone reveals no password.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretKeyInvalid(ValueError):
    """``HUB_SECRET_KEY`` is missing or is not a Fernet key."""


class SealedSecrets:
    """Seals with the first key, opens with any: a new key goes first, old ones stay a while."""

    def __init__(self, keys: str | None) -> None:
        names = [key.strip() for key in (keys or "").split(",") if key.strip()]
        if not names:
            raise SecretKeyInvalid("HUB_SECRET_KEY is not set: make one with "
                                   "`hub partner secret-key` and keep it out of the database")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in names])
        except ValueError:
            raise SecretKeyInvalid("HUB_SECRET_KEY must be Fernet keys (32 url-safe base64 "
                                   "bytes each), comma-separated") from None

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The secret, or None when none of the keys sealed it (a key was dropped too soon)."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except InvalidToken:
            return None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
