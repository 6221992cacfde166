"""The one reply shape every request with ``reply_to`` gets."""

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.errors import HubError


class Reply(BaseModel):
    status: Literal["accepted", "rejected", "ok"]
    operation: str
    request_id: str | None
    result: dict[str, Any] | None = None
    errors: list[HubError] = Field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"


# fixed forever: changing it would give repeats of old replies new message_ids
_REPLY_IDS = uuid.UUID("5f0c4c1e-8a53-4f7e-9d0b-0a1d2c3b4e5f")


def reply_message_id(caller: str, operation: str, request_id: str) -> str:
    """The reply's ``message_id``: the same for every repeat of one caller's request."""
    return str(uuid.uuid5(_REPLY_IDS, "\x1f".join((caller, operation, request_id))))
