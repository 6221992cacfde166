"""Asset ASIs on RabbitMQ: ``asset.query`` and ``asset.delta``."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.canonical.replies import Reply
from hub.interfaces.assets.queries import delta_to_wanted, query_assets
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def asset_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "asset.query", "An account's assets now, or after its open orders")
    async def query(asset_query: AssetQuery, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "asset.query")
        return await query_assets(asset_query, request, asi.uow(request))

    @asi.subscriber(router, "asset.delta", "Order lines from current assets to a wanted state")
    async def delta(delta_request: DeltaRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "asset.delta")
        return await delta_to_wanted(delta_request, request, asi.uow(request))

    return router
