"""Orders as the front office submits them (CONTRACT.md: Order, OrderItem)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from hub.canonical.order_details import (
    Activity,
    Attachment,
    CalendarDate,
    Payment,
    Shipping,
)
from hub.canonical.types import Attributes, Currency, Identifier, Money, Quantity, one_of

Action = Literal["add", "update", "delete", "none", "suspend", "resume"]
OrderKind = Literal["new", "revision", "cancel"]
OrderStatus = Literal[
    "acknowledged", "held", "rejected", "in_progress", "completed", "failed",
    "partial", "cancelled", "superseded",
]
LineStatus = Literal[
    "acknowledged", "held", "in_progress", "point_of_no_return", "completed", "failed",
    "cancelled", "superseded",
]
ACTIONS: tuple[str, ...] = ("add", "update", "delete", "none", "suspend", "resume")


class Price(BaseModel):
    one_time: Money = Decimal(0)
    recurring: Money = Decimal(0)
    currency: Currency | None = None


class OrderItem(BaseModel):
    line_id: Identifier
    parent_line_id: Identifier | None = None
    action: Annotated[Action, one_of("line.action_unknown", *ACTIONS)]
    product_code: Identifier
    product_name: str = Field(min_length=1, max_length=200)
    trackable: bool = True
    # a physical good to ship; taken from the catalog on add lines of a product it knows
    shippable: bool = False
    asset_id: Identifier | None = None
    quantity: Quantity = 1
    attributes: Attributes = Field(default_factory=dict)
    old_attributes: Attributes | None = None
    price: Price = Field(default_factory=Price)
    billing_account_id: Identifier | None = None
    service_account_id: Identifier | None = None
    promised_date: CalendarDate | None = None


class Order(BaseModel):
    """One revision of an order, always whole."""

    order_id: Identifier
    revision: int = Field(default=1, ge=1, le=999)
    kind: Annotated[OrderKind, one_of("order.kind_unknown", "new", "revision", "cancel")] = "new"
    account_id: Identifier
    partner_id: Identifier | None = None
    # the partner employee who placed it (set by the hub from ``x-acting-user`` on partner orders)
    acting_user: Identifier | None = None
    currency: Currency
    submitted_at: AwareDatetime
    customer_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    items: list[OrderItem] = Field(default_factory=list, max_length=5000)
    quote_id: Identifier | None = None
    opportunity_id: Identifier | None = None
    requested_date: CalendarDate | None = None
    billing_account_id: Identifier | None = None
    service_account_id: Identifier | None = None
    shipping: Shipping | None = None
    payment: Payment | None = None
    credit_check_id: Identifier | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    activities: list[Activity] = Field(default_factory=list, max_length=500)

    def billing_account(self, item: OrderItem | None = None) -> str:
        """The account billed: the line's own, else the order's, else ``account_id``."""
        named = item.billing_account_id if item is not None else None
        return named or self.billing_account_id or self.account_id

    def service_account(self, item: OrderItem | None = None) -> str:
        """The account served: the line's own, else the order's, else ``account_id``."""
        named = item.service_account_id if item is not None else None
        return named or self.service_account_id or self.account_id

    def items_with_accounts(self) -> list[OrderItem]:
        """The lines as they apply: each names the accounts the order gives it."""
        return [item.model_copy(update={"billing_account_id": self.billing_account(item),
                                        "service_account_id": self.service_account(item)})
                for item in self.items]

    def total(self) -> Decimal:
        """What the order is worth: one-time charges plus the first period of recurring ones."""
        return sum(
            ((i.price.one_time + i.price.recurring) * i.quantity for i in self.items),
            Decimal(0),
        )


class OrderRef(BaseModel):
    order_id: Identifier


class Approval(BaseModel):
    order_id: Identifier
    revision: int = Field(ge=1)
    decision: Annotated[
        Literal["approve", "reject"], one_of("approval.decision_unknown", "approve", "reject")
    ]
    approver: str = Field(min_length=1, max_length=100)
    reason: str | None = None


class SubmitResult(BaseModel):
    order_id: str
    revision: int
    status: OrderStatus
    # why a held order waits: `approval` (over the threshold) or `credit_review`
    hold_reason: str | None = None


class OrderLineView(OrderItem):
    status: LineStatus
    # the status each back-office system last reported for the line; absent until it reports
    systems: dict[str, str] = Field(default_factory=dict)


class PendingRevision(BaseModel):
    """A later revision waiting for approval while the revision in force carries on."""

    revision: int
    status: Literal["held"] = "held"


class StatusChange(BaseModel):
    at: datetime
    status: OrderStatus


class Shipment(BaseModel):
    """Goods the warehouse sent for some lines of the order."""

    shipment_id: str
    carrier: str
    tracking_id: str
    shipped_at: datetime
    lines: list[str] = Field(default_factory=list)


class OrderView(BaseModel):
    """The revision in force of an order with its derived status (the `order.get` result)."""

    order_id: str
    revision: int
    kind: OrderKind
    account_id: str
    partner_id: str | None
    acting_user: str | None = None
    currency: str
    submitted_at: datetime
    status: OrderStatus
    items: list[OrderLineView]
    quote_id: str | None = None
    opportunity_id: str | None = None
    requested_date: CalendarDate | None = None
    billing_account_id: str | None = None
    service_account_id: str | None = None
    shipping: Shipping | None = None
    payment: Payment | None = None
    credit_check_id: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    pending_revision: PendingRevision | None = None
    history: list[StatusChange] = Field(default_factory=list)
    shipments: list[Shipment] = Field(default_factory=list)
