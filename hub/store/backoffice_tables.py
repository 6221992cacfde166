"""Tables of the back-office checks and of what happens after the order."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base, Id


class CreditCheckRow(Base):
    """A credit check the hub issued; an order may rely on it while it is valid."""

    __tablename__ = "credit_checks"
    check_id: Mapped[str] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(Id, index=True)
    order_id: Mapped[str | None] = mapped_column(Id)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[datetime]
    created_at: Mapped[datetime]


class PaymentAuthorizationRow(Base):
    """A card authorisation the hub obtained; the card is known only by its token."""

    __tablename__ = "payment_authorizations"
    authorization_id: Mapped[str] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(Id, index=True)
    order_id: Mapped[str | None] = mapped_column(Id)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str] = mapped_column(String(3))
    card_token: Mapped[str] = mapped_column(String(128))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[datetime]
    # the order that relies on it: one authorisation pays for one order
    used_by_order_id: Mapped[str | None] = mapped_column(Id)
    created_at: Mapped[datetime]


class ShipmentRow(Base):
    """A parcel the warehouse sent for some lines of an order."""

    __tablename__ = "shipments"
    shipment_id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(Id, index=True)
    revision: Mapped[int]
    carrier: Mapped[str] = mapped_column(String(100))
    tracking_id: Mapped[str] = mapped_column(String(100))
    shipped_at: Mapped[datetime]
    lines: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class ActivityStatusRow(Base):
    """Where an activity declared in an order stands, as field service last reported."""

    __tablename__ = "order_activities"
    order_id: Mapped[str] = mapped_column(Id, primary_key=True)
    activity_id: Mapped[str] = mapped_column(Id, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class CustomerMailRow(Base):
    """An e-mail the customer was sent about one thing of one order: never a second."""

    __tablename__ = "customer_mails"
    order_id: Mapped[str] = mapped_column(Id, primary_key=True)
    topic: Mapped[str] = mapped_column(String(160), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
