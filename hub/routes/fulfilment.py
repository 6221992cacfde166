"""Fulfilment ASI on RabbitMQ: ``fulfilment.status`` from provisioning and billing."""

from faststream.rabbit import RabbitRouter

from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.replies import Reply
from hub.interfaces.fulfilment.status import report_fulfilment
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def fulfilment_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "fulfilment.status")
    async def status(update: FulfilmentUpdate, request: Request = CURRENT_REQUEST) -> Reply:
        return await report_fulfilment(update, request, asi.uow(request),
                                       asi.fulfilment_systems)

    return router
