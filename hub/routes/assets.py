"""Asset ASIs on RabbitMQ: ``asset.query`` and ``asset.delta``."""

from faststream.rabbit import RabbitRouter

from hub.canonical.assets import AssetQuery, DeltaRequest
from hub.canonical.replies import Reply
from hub.interfaces.assets.queries import delta_to_wanted, query_assets
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def asset_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "asset.query")
    async def query(asset_query: AssetQuery, request: Request = CURRENT_REQUEST) -> Reply:
        return await query_assets(asset_query, request, asi.uow(request))

    @asi.subscriber(router, "asset.delta")
    async def delta(delta_request: DeltaRequest, request: Request = CURRENT_REQUEST) -> Reply:
        return await delta_to_wanted(delta_request, request, asi.uow(request))

    return router
