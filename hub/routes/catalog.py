"""Catalog ASIs on RabbitMQ: ``catalog.sync`` and ``catalog.query``."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.catalog import CatalogQuery, CatalogSync
from hub.canonical.replies import Reply
from hub.interfaces.catalog.products import query_catalog, sync_catalog
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def catalog_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "catalog.sync", "The product master upserts up to 1,000 products")
    async def sync(products: CatalogSync, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "catalog.sync")
        return await sync_catalog(products, request, asi.uow(request))

    @asi.subscriber(router, "catalog.query", "Active products by code or text")
    async def query(catalog_query: CatalogQuery, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "catalog.query")
        return await query_catalog(catalog_query, request, asi.uow(request))

    return router
