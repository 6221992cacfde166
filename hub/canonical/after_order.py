"""What the warehouse and field service report after the order (CONTRACT E)."""

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from hub.canonical.order_details import ACTIVITY_STATUSES, ActivityStatus
from hub.canonical.types import Identifier, one_of

Label = Annotated[str, Field(min_length=1, max_length=100)]


class ShipmentNotice(BaseModel):
    """``shipment.notify``: goods for some lines of an order left the warehouse."""

    order_id: Identifier
    shipment_id: Identifier
    carrier: Label
    tracking_id: Label
    shipped_at: AwareDatetime
    lines: list[Identifier] = Field(min_length=1, max_length=5000)


class ShipmentResult(BaseModel):
    order_id: str
    revision: int
    shipment_id: str
    lines: list[str]


class ActivityUpdate(BaseModel):
    """``activity.update``: field service moved an activity the order declared."""

    order_id: Identifier
    activity_id: Identifier
    status: Annotated[ActivityStatus, one_of("activity.status_unknown", *ACTIVITY_STATUSES)]
    scheduled_for: AwareDatetime | None = None
    note: str | None = Field(default=None, max_length=2000)


class ActivityResult(BaseModel):
    order_id: str
    activity_id: str
    status: ActivityStatus
