"""Order ASIs on RabbitMQ: ``order.submit``, ``order.approve``, ``order.get``."""

from faststream.rabbit import RabbitRouter

from hub.canonical.orders import Approval, Order, OrderRef
from hub.canonical.replies import Reply
from hub.interfaces.orders.approval import approve_order
from hub.interfaces.orders.submission import get_order, submit_order
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def order_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "order.submit")
    async def submit(order: Order, request: Request = CURRENT_REQUEST) -> Reply:
        return await submit_order(order, request, asi.uow(request), asi.order_policy)

    @asi.subscriber(router, "order.approve")
    async def approve(approval: Approval, request: Request = CURRENT_REQUEST) -> Reply:
        return await approve_order(approval, request, asi.uow(request))

    @asi.subscriber(router, "order.get")
    async def get(ref: OrderRef, request: Request = CURRENT_REQUEST) -> Reply:
        return await get_order(ref, request, asi.uow(request))

    return router
