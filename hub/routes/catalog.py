"""Catalog ASIs on RabbitMQ: ``catalog.sync`` and ``catalog.query``."""

from faststream.rabbit import RabbitRouter

from hub.canonical.catalog import CatalogQuery, CatalogSync
from hub.canonical.replies import Reply
from hub.interfaces.catalog.products import query_catalog, sync_catalog
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def catalog_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "catalog.sync")
    async def sync(products: CatalogSync, request: Request = CURRENT_REQUEST) -> Reply:
        return await sync_catalog(products, request, asi.uow(request))

    @asi.subscriber(router, "catalog.query")
    async def query(catalog_query: CatalogQuery, request: Request = CURRENT_REQUEST) -> Reply:
        return await query_catalog(catalog_query, request, asi.uow(request))

    return router
