"""The brand owner's product catalog (wire contract v2, section A)."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from hub.canonical.types import Currency, Identifier, Money, one_of

ProductStatus = Literal["active", "retired"]
MAX_SYNC = 1000


class ProductPrice(BaseModel):
    """A price of one unit: what is paid once and what is paid every period."""

    one_time: Money
    recurring: Money


class Product(BaseModel):
    """One product of the brand owner's product master."""

    product_code: Identifier
    name: str = Field(min_length=1, max_length=200)
    # becomes an asset when fulfilled
    trackable: bool
    # a physical good that is shipped: an order with it needs ``shipping``
    shippable: bool = False
    currency: Currency
    price: ProductPrice
    # what a partner pays for its own stock
    partner_price: ProductPrice | None = None
    status: Annotated[ProductStatus, one_of("product.status_unknown", "active", "retired")] = (
        "active")
    promotion: str | None = Field(default=None, max_length=1000)


class CatalogSync(BaseModel):
    """``catalog.sync``: products to insert or replace, at most 1,000 a call."""

    products: list[Product] = Field(min_length=1, max_length=MAX_SYNC)


class CatalogSyncResult(BaseModel):
    synced: int


class CatalogQuery(BaseModel):
    """``catalog.query``: active products by code, by text in their name or code, or all."""

    product_codes: list[Identifier] | None = Field(default=None, max_length=MAX_SYNC)
    text: str | None = Field(default=None, min_length=1, max_length=200)


class CatalogQueryResult(BaseModel):
    products: list[Product]
