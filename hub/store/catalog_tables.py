"""The product catalog table: one row per product code, the product kept whole."""

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base, Id


class ProductRow(Base):
    """A product of the brand owner's product master as last synced."""

    __tablename__ = "products"
    product_code: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # the Product as synced (canonical JSON)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
