"""Opportunity ASIs of the brand owner on RabbitMQ: transfer, update and query with a partner."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.opportunities import OpportunityQuery, TransferRequest
from hub.canonical.replies import Reply
from hub.interfaces.opportunities.transfers import (
    query_opportunity,
    transfer_opportunity,
    update_opportunity,
)
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def opportunity_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()
    calls = asi.partner_calls
    assert calls is not None, "the hub wires its partner calls into the routes"

    @asi.subscriber(router, "opportunity.transfer",
                    "Transfer an opportunity to a partner's CRM, in the partner's vocabulary")
    async def transfer(transfer: TransferRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.transfer")
        return await transfer_opportunity(transfer, request, asi.uow(request), calls)

    @asi.subscriber(router, "opportunity.update",
                    "Send the brand owner's changes to an opportunity a partner holds")
    async def update(update: TransferRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.update")
        return await update_opportunity(update, request, asi.uow(request), calls)

    @asi.subscriber(router, "opportunity.query",
                    "Ask a partner's CRM how a transferred opportunity stands now")
    async def query(query: OpportunityQuery, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.query")
        return await query_opportunity(query, request, asi.uow(request), calls)

    return router
