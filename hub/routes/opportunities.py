"""Opportunity ASIs of the brand owner on RabbitMQ: transfer, update and query with a partner."""

from faststream.rabbit import RabbitRouter

from hub.canonical.opportunities import OpportunityQuery, TransferRequest
from hub.canonical.replies import Reply
from hub.interfaces.opportunities.transfers import (
    query_opportunity,
    transfer_opportunity,
    update_opportunity,
)
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def opportunity_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()
    calls = asi.partner_calls
    assert calls is not None, "the hub wires its partner calls into the routes"

    @asi.subscriber(router, "opportunity.transfer")
    async def transfer(transfer: TransferRequest, request: Request = CURRENT_REQUEST) -> Reply:
        return await transfer_opportunity(transfer, request, asi.uow(request), calls)

    @asi.subscriber(router, "opportunity.update")
    async def update(update: TransferRequest, request: Request = CURRENT_REQUEST) -> Reply:
        return await update_opportunity(update, request, asi.uow(request), calls)

    @asi.subscriber(router, "opportunity.query")
    async def query(query: OpportunityQuery, request: Request = CURRENT_REQUEST) -> Reply:
        return await query_opportunity(query, request, asi.uow(request), calls)

    return router
