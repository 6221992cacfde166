"""A customer's installed base as the hub answers it (docs/contract.md: Asset)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from hub.canonical.order_details import CalendarDate
from hub.canonical.orders import OrderItem
from hub.canonical.types import Attributes, Identifier, Quantity, Revision, SafeText, one_of

AssetStatus = Literal["active", "suspended", "terminated"]


class OrderLineRef(BaseModel):
    order_id: str
    revision: Revision
    line_id: str


class Asset(BaseModel):
    asset_id: Identifier
    account_id: Identifier
    parent_asset_id: Identifier | None = None
    product_code: Identifier
    product_name: SafeText = Field(min_length=1, max_length=200)
    status: AssetStatus = "active"
    quantity: Quantity = 1
    attributes: Attributes = Field(default_factory=dict)
    from_order: OrderLineRef | None = None
    # filled by the hub when the asset is synced; optional where a caller sends a wanted tree
    start_date: CalendarDate | None = None
    end_date: CalendarDate | None = None
    billing_account_id: Identifier | None = None
    service_account_id: Identifier | None = None
    children: list[Asset] = Field(default_factory=list)


class AssetQuery(BaseModel):
    account_id: Identifier
    view: Literal["current", "future"] = "current"
    # the installed base as the hub had recorded it at that instant
    as_of: AwareDatetime | None = None


class Conflict(BaseModel):
    code: str
    asset_id: str | None
    order_id: str
    line_id: str
    message: str


class AssetQueryResult(BaseModel):
    account_id: str
    view: Literal["current", "future"]
    assets: list[Asset]
    conflicts: list[Conflict] = Field(default_factory=list)


class DeltaRequest(BaseModel):
    account_id: Identifier
    wanted: list[Asset]
    # future: the change is computed on top of the open orders
    base: Annotated[Literal["current", "future"],
                    one_of("delta.base_unknown", "current", "future")] = "current"


class DeltaResult(BaseModel):
    account_id: str
    items: list[OrderItem]
