"""Partner ASIs of the brand owner on RabbitMQ: the registry, partner users and alerts."""

from faststream.rabbit import RabbitMessage, RabbitRouter

from hub.canonical.partners import (
    PartnerAlert,
    PartnerApproval,
    PartnerRegistration,
    PartnerSuspension,
    PartnerUserAssignment,
    PartnerUserRemoval,
)
from hub.canonical.replies import Reply
from hub.interfaces.partners.alerts import send_alert
from hub.interfaces.partners.registry import approve_partner, register_partner, suspend_partner
from hub.interfaces.partners.users import assign_user, remove_user
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

    @asi.subscriber(router, "partner.user.assign", "A partner employee becomes a power or "
                    "standard user")
    async def assign(assignment: PartnerUserAssignment, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "partner.user.assign")
        return await assign_user(assignment, request, asi.uow(request))

    @asi.subscriber(router, "partner.user.remove", "A partner employee may no longer act")
    async def remove(removal: PartnerUserRemoval, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "partner.user.remove")
        return await remove_user(removal, request, asi.uow(request))

    @asi.subscriber(router, "partner.alert", "News for the listed partners, or every approved one")
    async def alert(partner_alert: PartnerAlert, msg: RabbitMessage) -> Reply:
        request = request_of(msg.raw_message, "partner.alert")
        return await send_alert(partner_alert, request, asi.uow(request))

    return router
