"""Loading and saving catalog products."""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.canonical.catalog import Product
from hub.store.catalog_tables import ProductRow


class Catalog:
    """The brand owner's products by code."""

    def __init__(self, session: AsyncSession,
                 read: dict[str, Product | None] | None = None) -> None:
        self._session = session
        # products already read in this transaction (None: no such code), shared by the
        # requests of a group commit so that a batch of orders reads each code once;
        # emptied by every write and every rollback
        self._read = read

    async def products(self, codes: Iterable[str]) -> dict[str, Product]:
        """The known products among ``codes``, active or retired."""
        wanted = set(codes)
        if not wanted:
            return {}
        read = self._read if self._read is not None else {}
        if missing := wanted - read.keys():
            query = select(ProductRow).where(ProductRow.product_code.in_(missing))
            rows = (await self._session.execute(query)).scalars()
            found = {row.product_code: Product.model_validate(row.document) for row in rows}
            read.update({code: found.get(code) for code in missing})
        return {code: product for code in wanted if (product := read[code]) is not None}

    def forget(self) -> None:
        """Read again next time: the transaction wrote products or rolled back."""
        if self._read is not None:
            self._read.clear()

    async def upsert(self, products: list[Product]) -> None:
        """Insert new products and replace known ones whole."""
        self.forget()
        known = {row.product_code: row for row in (await self._session.execute(
            select(ProductRow).where(ProductRow.product_code.in_(
                [p.product_code for p in products])).with_for_update())).scalars()}
        now = datetime.now(UTC)
        for product in products:
            document = product.model_dump(mode="json")
            if (row := known.get(product.product_code)) is None:
                self._session.add(ProductRow(product_code=product.product_code,
                                             name=product.name, status=product.status,
                                             document=document, updated_at=now))
            else:
                row.name, row.status, row.document, row.updated_at = (
                    product.name, product.status, document, now)

    async def active(self, codes: list[str] | None, text: str | None) -> list[Product]:
        """Active products, by code and by text in their code or name (case-insensitive)."""
        query = select(ProductRow).where(ProductRow.status == "active")
        if codes is not None:
            query = query.where(ProductRow.product_code.in_(codes))
        if text:
            needle = text.lower()
            query = query.where(or_(
                func.lower(ProductRow.name).contains(needle, autoescape=True),
                func.lower(ProductRow.product_code).contains(needle, autoescape=True)))
        rows = (await self._session.execute(query.order_by(ProductRow.product_code))).scalars()
        return [Product.model_validate(row.document) for row in rows]
