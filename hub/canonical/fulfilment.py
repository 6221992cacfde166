"""What provisioning (or billing) reports about the lines of an order (FulfilmentUpdate)."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from hub.canonical.types import Identifier, Revision, SafeText, one_of

ReportedStatus = Literal["in_progress", "point_of_no_return", "completed", "failed"]


class LineReport(BaseModel):
    line_id: Identifier
    status: Annotated[ReportedStatus, one_of("fulfilment.status_unknown", "in_progress",
                                             "point_of_no_return", "completed", "failed")]
    asset_id: Identifier | None = None
    reason: SafeText | None = Field(default=None, max_length=1000)


class FulfilmentUpdate(BaseModel):
    order_id: Identifier
    revision: Revision
    system: Annotated[Literal["provisioning", "billing"],
                      one_of("fulfilment.system_unknown", "provisioning", "billing")]
    lines: list[LineReport] = Field(min_length=1, max_length=5000)
