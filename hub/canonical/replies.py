"""The one reply shape every request with ``reply_to`` gets."""

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
