"""What the hub tells the world happened, on ``hub.events``."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Event(BaseModel):
    """Envelope of every event; ``data`` is the event's own payload."""

    event: str
    event_id: str
    occurred_at: datetime
    correlation_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
