"""Partner registry ASIs on RabbitMQ: ``partner.register``, ``partner.approve``, ``partner.suspend``."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.partners import PartnerApproval, PartnerRegistration, PartnerSuspension
from hub.canonical.replies import Reply
from hub.interfaces.partners.registry import approve_partner, register_partner, suspend_partner
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import request_of


def partner_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "partner.register", "A partner applies: connector, vocabulary, accounts")
    async def register(registration: PartnerRegistration, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "partner.register")
        return await register_partner(registration, request, asi.uow(request))

    @asi.subscriber(router, "partner.approve", "The channel manager approves a partner")
    async def approve(approval: PartnerApproval, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "partner.approve")
        return await approve_partner(approval, request, asi.uow(request))

    @asi.subscriber(router, "partner.suspend", "The channel manager suspends a partner")
    async def suspend(suspension: PartnerSuspension, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "partner.suspend")
        return await suspend_partner(suspension, request, asi.uow(request))

    return router
