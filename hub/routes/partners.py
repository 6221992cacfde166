"""Partner registry ASIs on RabbitMQ: ``partner.register``, ``partner.approve``, ``partner.suspend``."""

from faststream.rabbit import RabbitRouter

from hub.canonical.partners import PartnerApproval, PartnerRegistration, PartnerSuspension
from hub.canonical.replies import Reply
from hub.interfaces.partners.registry import approve_partner, register_partner, suspend_partner
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def partner_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "partner.register")
    async def register(registration: PartnerRegistration, request: Request = CURRENT_REQUEST) -> Reply:
        return await register_partner(registration, request, asi.uow(request))

    @asi.subscriber(router, "partner.approve")
    async def approve(approval: PartnerApproval, request: Request = CURRENT_REQUEST) -> Reply:
        return await approve_partner(approval, request, asi.uow(request))

    @asi.subscriber(router, "partner.suspend")
    async def suspend(suspension: PartnerSuspension, request: Request = CURRENT_REQUEST) -> Reply:
        return await suspend_partner(suspension, request, asi.uow(request))

    return router
