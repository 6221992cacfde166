"""Opportunity ASIs a partner calls on its own vhost (``partner.<id>``), in its own vocabulary."""

from faststream.rabbit import RabbitRouter

from hub.canonical.partners import PartnerLead, PartnerOpportunityRef
from hub.canonical.replies import Reply
from hub.interfaces.opportunities.partner_leads import (
    answer_partner_query,
    receive_partner_lead,
    receive_partner_update,
)
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST
from hub.routes.operations import PARTNER_OPERATIONS


def partner_channel_router(asi: AsiRoutes, partner_id: str) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "opportunity.transfer", table=PARTNER_OPERATIONS)
    async def transfer(message: PartnerLead, request: Request = CURRENT_REQUEST) -> Reply:
        return await receive_partner_lead(message, request, asi.uow(request), partner_id)

    @asi.subscriber(router, "opportunity.update", table=PARTNER_OPERATIONS)
    async def update(message: PartnerLead, request: Request = CURRENT_REQUEST) -> Reply:
        return await receive_partner_update(message, request, asi.uow(request), partner_id)

    @asi.subscriber(router, "opportunity.query", table=PARTNER_OPERATIONS)
    async def query(ref: PartnerOpportunityRef, request: Request = CURRENT_REQUEST) -> Reply:
        return await answer_partner_query(ref, request, asi.uow(request), partner_id)

    return router
