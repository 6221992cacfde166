"""After-order ASIs on RabbitMQ: ``shipment.notify`` and ``activity.update``."""

from faststream.rabbit import RabbitRouter

from hub.canonical.after_order import ActivityUpdate, ShipmentNotice
from hub.canonical.replies import Reply
from hub.interfaces.backoffice.after_order import notify_shipment, update_activity
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def after_order_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "shipment.notify")
    async def shipment(notice: ShipmentNotice, request: Request = CURRENT_REQUEST) -> Reply:
        return await notify_shipment(notice, request, asi.uow(request))

    @asi.subscriber(router, "activity.update")
    async def activity(update: ActivityUpdate, request: Request = CURRENT_REQUEST) -> Reply:
        return await update_activity(update, request, asi.uow(request))

    return router
