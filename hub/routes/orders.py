"""Order ASIs on RabbitMQ: ``order.submit``, ``order.approve``, ``order.get``."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.orders import Approval, Order, OrderRef
from hub.canonical.replies import Reply
from hub.interfaces.orders.approval import approve_order
from hub.interfaces.orders.submission import get_order, submit_order
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def order_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "order.submit", "Submit a new order, a revision or a cancellation")
    async def submit(order: Order, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "order.submit")
        return await submit_order(order, request, asi.uow(request), asi.order_policy)

    @asi.subscriber(router, "order.approve", "A supervisor's decision on a held order")
    async def approve(approval: Approval, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "order.approve")
        return await approve_order(approval, request, asi.uow(request))

    @asi.subscriber(router, "order.get", "The latest revision of an order with its status")
    async def get(ref: OrderRef, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "order.get")
        return await get_order(ref, request, asi.uow(request))

    return router
