"""Opportunity ASIs of the brand owner on RabbitMQ: transfer, update and query with a partner."""

from dataclasses import dataclass, fields

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.opportunities import OpportunityQuery, TransferRequest
from hub.canonical.replies import Reply
from hub.interfaces.opportunities import (
    query_opportunity,
    transfer_opportunity,
    update_opportunity,
)
from hub.interfaces.partner_calls import PartnerCalls
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


@dataclass
class ChannelRoutes(AsiRoutes):
    """The ASI route context plus the way to partner CRMs, for the partner channel's routes."""

    calls: PartnerCalls | None = None

    @classmethod
    def of(cls, routes: AsiRoutes, calls: PartnerCalls) -> "ChannelRoutes":
        return cls(**{f.name: getattr(routes, f.name) for f in fields(routes)}, calls=calls)

    @property
    def partner_calls(self) -> PartnerCalls:
        assert self.calls is not None, "built by ChannelRoutes.of"
        return self.calls


def opportunity_router(asi: ChannelRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "opportunity.transfer",
                    "Transfer an opportunity to a partner's CRM, in the partner's vocabulary")
    async def transfer(transfer: TransferRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.transfer")
        return await transfer_opportunity(transfer, request, asi.uow(request), asi.partner_calls)

    @asi.subscriber(router, "opportunity.update",
                    "Send the brand owner's changes to an opportunity a partner holds")
    async def update(update: TransferRequest, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.update")
        return await update_opportunity(update, request, asi.uow(request), asi.partner_calls)

    @asi.subscriber(router, "opportunity.query",
                    "Ask a partner's CRM how a transferred opportunity stands now")
    async def query(query: OpportunityQuery, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.query")
        return await query_opportunity(query, request, asi.uow(request), asi.partner_calls)

    return router
