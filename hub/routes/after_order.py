"""After-order ASIs on RabbitMQ: ``shipment.notify`` and ``activity.update``."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.after_order import ActivityUpdate, ShipmentNotice
from hub.canonical.replies import Reply
from hub.interfaces.backoffice.after_order import notify_shipment, update_activity
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def after_order_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "shipment.notify", "The warehouse shipped some lines of an order")
    async def shipment(notice: ShipmentNotice, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "shipment.notify")
        return await notify_shipment(notice, request, asi.uow(request))

    @asi.subscriber(router, "activity.update", "Field service moved an order's activity on")
    async def activity(update: ActivityUpdate, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "activity.update")
        return await update_activity(update, request, asi.uow(request))

    return router
