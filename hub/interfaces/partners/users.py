"""The channel manager assigns partner employees (power or standard users) and removes them."""

from hub.canonical.partners import (
    PartnerUser,
    PartnerUserAssignment,
    PartnerUserRemoval,
    PartnerUserRemoved,
)
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.partners.registry import known_partner
from hub.interfaces.request import Request
from hub.store.unit_of_work import UnitOfWork


async def assign_user(assignment: PartnerUserAssignment, request: Request,
                      uow: UnitOfWork) -> Reply:
    """The employee may act on the partner's vhost as ``user_type`` from now on."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        await known_partner(uow, assignment.partner_id)
        user = PartnerUser.model_validate(assignment.model_dump())
        await uow.partners.assign_user(user)
        uow.outbox.event("partner.user_assigned", user.model_dump())
        return "accepted", user.model_dump(exclude={"name"})

    return await exactly_once(uow, request, use_case)


async def remove_user(removal: PartnerUserRemoval, request: Request, uow: UnitOfWork) -> Reply:
    """The employee may no longer act for the partner."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        await known_partner(uow, removal.partner_id)
        row = await uow.partners.user(removal.partner_id, removal.user_id)
        if row is None:
            raise Rejected(error("partner.user_unknown", f"user {removal.user_id} is not "
                                 f"assigned to partner {removal.partner_id}", "user_id"))
        await uow.partners.remove_user(row)
        result = PartnerUserRemoved(partner_id=removal.partner_id, user_id=removal.user_id)
        uow.outbox.event("partner.user_removed", result.model_dump())
        return "accepted", result.model_dump()

    return await exactly_once(uow, request, use_case)


async def list_users(uow: UnitOfWork, partner_id: str) -> list[PartnerUser]:
    """The partner's employees with their user types."""
    async with uow:
        await known_partner(uow, partner_id)
        return [PartnerUser(partner_id=row.partner_id, user_id=row.user_id,
                            user_type=row.user_type, name=row.name)  # type: ignore[arg-type]
                for row in await uow.partners.users(partner_id)]
