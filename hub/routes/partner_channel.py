"""Opportunity ASIs a partner calls on its own vhost (``partner.<id>``), in its own vocabulary."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.partners import PartnerLead, PartnerOpportunityRef
from hub.canonical.replies import Reply
from hub.interfaces.opportunities.partner_leads import (
    answer_partner_query,
    receive_partner_lead,
    receive_partner_update,
)
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def partner_channel_router(asi: AsiRoutes, partner_id: str) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "opportunity.transfer", "A partner transfers one of its own leads")
    async def transfer(message: PartnerLead, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.transfer")
        return await receive_partner_lead(message, request, asi.uow(request), partner_id)

    @asi.subscriber(router, "opportunity.update", "A partner's news on a shared opportunity")
    async def update(message: PartnerLead, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.update")
        return await receive_partner_update(message, request, asi.uow(request), partner_id)

    @asi.subscriber(router, "opportunity.query", "A partner asks how the brand owner holds one")
    async def query(ref: PartnerOpportunityRef, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "opportunity.query")
        return await answer_partner_query(ref, request, asi.uow(request), partner_id)

    return router
