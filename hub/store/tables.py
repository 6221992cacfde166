"""The hub's tables; every change to them goes through an Alembic migration."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Id = String(64)
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC and read back aware, on every store.

    PostgreSQL keeps the zone of ``timestamptz``; SQLite keeps none and would store 08:00+01:00
    as a zone-less 08:00, another instant. Converted to UTC before it is written, and read back
    as UTC, an instant means the same on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, datetime: UtcDateTime(),
                                     date: Date()}


class InboxRow(Base):
    """A request already handled, and the reply it got: same caller and ``message_id``, same
    answer."""

    __tablename__ = "inbox"
    caller: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    reply: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class OutboxRow(Base):
    """A message to publish once the transaction that wrote it has committed."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    exchange: Mapped[str] = mapped_column(String(64))
    routing_key: Mapped[str] = mapped_column(String(128))
    message_type: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    correlation_id: Mapped[str | None] = mapped_column(String(200))
    headers: Mapped[dict[str, Any]]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)


class OrderHeadRow(Base):
    """One row per order: its current revision; locked to serialise revisions of one order."""

    __tablename__ = "order_heads"
    order_id: Mapped[str] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(Id, index=True)
    current_revision: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    point_of_no_return: Mapped[bool] = mapped_column(default=False)
    # a later revision held for approval; ``current_revision`` stays in force until approved
    pending_revision: Mapped[int | None]
    # when revision 1 was submitted: open orders apply to assets in this order (future state)
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class OrderRow(Base):
    """One revision of an order, whole, with its derived status."""

    __tablename__ = "orders"
    order_id: Mapped[str] = mapped_column(Id, primary_key=True)
    revision: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(Id, index=True)
    partner_id: Mapped[str | None] = mapped_column(Id)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    total: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    submitted_at: Mapped[datetime]
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class OrderLineRow(Base):
    """The fulfilment state of one line of one revision."""

    __tablename__ = "order_lines"
    order_id: Mapped[str] = mapped_column(Id, primary_key=True)
    revision: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[str] = mapped_column(Id, primary_key=True)
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    asset_id: Mapped[str | None] = mapped_column(Id)
    reason: Mapped[str | None] = mapped_column(Text)
    # the status each back-office system last reported: {"provisioning": "completed", ...}
    systems: Mapped[dict[str, Any]] = mapped_column(default=dict)
    __table_args__ = (
        ForeignKeyConstraint(
            ["order_id", "revision"], ["orders.order_id", "orders.revision"], ondelete="CASCADE"
        ),
    )


class OrderStatusRow(Base):
    """One change of an order's status, kept so ``order.get`` can show its history."""

    __tablename__ = "order_status_history"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(Id, index=True)
    revision: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


class AssetRow(Base):
    """One installed product of a customer; ``version`` guards concurrent updates."""

    __tablename__ = "assets"
    asset_id: Mapped[str] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(Id, index=True)
    parent_asset_id: Mapped[str | None] = mapped_column(Id)
    product_code: Mapped[str] = mapped_column(Id)
    product_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    attributes: Mapped[dict[str, Any]]
    from_order_id: Mapped[str | None] = mapped_column(Id)
    from_revision: Mapped[int | None]
    from_line_id: Mapped[str | None] = mapped_column(Id)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    billing_account_id: Mapped[str | None] = mapped_column(Id)
    service_account_id: Mapped[str | None] = mapped_column(Id)
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar = {"version_id_col": version}


class AssetVersionRow(Base):
    """An asset as it stood from ``recorded_at`` on; ``asset.query`` with ``as_of`` reads these."""

    __tablename__ = "asset_versions"
    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(Id)
    account_id: Mapped[str] = mapped_column(Id)
    recorded_at: Mapped[datetime]
    document: Mapped[dict[str, Any]]
    __table_args__ = (Index("ix_asset_versions_account_time", "account_id", "recorded_at", "id"),)
