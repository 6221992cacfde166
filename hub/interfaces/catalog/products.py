"""Catalog ASIs: ``catalog.sync`` (upsert from the product master) and ``catalog.query``."""

from collections import Counter

from hub.canonical.catalog import CatalogQuery, CatalogQueryResult, CatalogSync, CatalogSyncResult
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork


async def sync_catalog(sync: CatalogSync, request: Request, uow: UnitOfWork) -> Reply:
    """Insert or replace each product whole; announce ``catalog.changed``."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        seen = Counter(p.product_code for p in sync.products)
        if repeated := [error("product.duplicate_code", f"product {p.product_code} appears "
                              f"{seen[p.product_code]} times in one sync",
                              f"products[{n}].product_code")
                        for n, p in enumerate(sync.products) if seen[p.product_code] > 1]:
            raise Rejected(*repeated)
        await uow.catalog.upsert(sync.products)
        uow.outbox.event("catalog.changed", {
            "product_codes": [p.product_code for p in sync.products],
            "retired": [p.product_code for p in sync.products if p.status == "retired"]})
        return "accepted", CatalogSyncResult(synced=len(sync.products)).model_dump()

    return await exactly_once(uow, request, use_case)


async def query_catalog(query: CatalogQuery, request: Request, uow: UnitOfWork) -> Reply:
    """Active products by code or text, with list and partner prices."""
    async with uow:
        products = await uow.catalog.active(query.product_codes, query.text)
    return Reply(status="ok", operation=request.operation, request_id=request.message_id,
                 result=CatalogQueryResult(products=products).model_dump(mode="json"))
