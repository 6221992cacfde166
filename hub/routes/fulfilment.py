"""Fulfilment ASI on RabbitMQ: ``fulfilment.status`` from provisioning and billing."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.fulfilment import FulfilmentUpdate
from hub.canonical.replies import Reply
from hub.interfaces.fulfilment.status import report_fulfilment
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def fulfilment_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "fulfilment.status", "Line status from provisioning or billing")
    async def status(update: FulfilmentUpdate, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "fulfilment.status")
        return await report_fulfilment(update, request, asi.uow(request),
                                       asi.fulfilment_systems)

    return router
