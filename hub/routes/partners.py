"""Partner ASIs of the brand owner on RabbitMQ: the registry, partner users and alerts."""

from faststream.rabbit import RabbitRouter

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
from hub.interfaces.request import Request
from hub.routes.asi import AsiRoutes
from hub.routes.envelope import CURRENT_REQUEST


def partner_router(asi: AsiRoutes) -> RabbitRouter:
    router = asi.router()

    @asi.subscriber(router, "partner.register")
    async def register(registration: PartnerRegistration,
                       request: Request = CURRENT_REQUEST) -> Reply:
        return await register_partner(registration, request, asi.uow(request))

    @asi.subscriber(router, "partner.approve")
    async def approve(approval: PartnerApproval, request: Request = CURRENT_REQUEST) -> Reply:
        return await approve_partner(approval, request, asi.uow(request))

    @asi.subscriber(router, "partner.suspend")
    async def suspend(suspension: PartnerSuspension, request: Request = CURRENT_REQUEST) -> Reply:
        return await suspend_partner(suspension, request, asi.uow(request))

    @asi.subscriber(router, "partner.user.assign")
    async def assign(assignment: PartnerUserAssignment,
                     request: Request = CURRENT_REQUEST) -> Reply:
        return await assign_user(assignment, request, asi.uow(request))

    @asi.subscriber(router, "partner.user.remove")
    async def remove(removal: PartnerUserRemoval, request: Request = CURRENT_REQUEST) -> Reply:
        return await remove_user(removal, request, asi.uow(request))

    @asi.subscriber(router, "partner.alert")
    async def alert(partner_alert: PartnerAlert, request: Request = CURRENT_REQUEST) -> Reply:
        return await send_alert(partner_alert, request, asi.uow(request))

    return router
