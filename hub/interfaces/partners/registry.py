"""Partner registry ASIs: a partner applies, is approved or suspended; only approved ones are served."""

from datetime import UTC, datetime

from hub.canonical.partners import (
    PartnerApproval,
    PartnerProfile,
    PartnerRegistration,
    PartnerResult,
    PartnerSuspension,
)
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.exactly_once import exactly_once
from hub.interfaces.request import Request
from hub.store.partner_tables import PartnerRow
from hub.store.unit_of_work import UnitOfWork


async def register_partner(registration: PartnerRegistration, request: Request,
                           uow: UnitOfWork) -> Reply:
    """Record a partner's application with its connector and accounts; it is not served yet."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        if await uow.partners.get(registration.partner_id) is not None:
            raise Rejected(error("partner.exists", f"partner {registration.partner_id} is "
                                 "already registered", "partner_id"))
        uow.partners.add(registration)
        await uow.session.flush()  # accounts reference the partner: it goes in first
        await uow.partners.assign(registration.partner_id, registration.accounts)
        return _changed(uow, registration.partner_id, None, "applied")

    return await exactly_once(uow, request, use_case)


async def approve_partner(approval: PartnerApproval, request: Request, uow: UnitOfWork) -> Reply:
    """Serve the partner from now on, with any accounts the approval assigns."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        row = await known_partner(uow, approval.partner_id)
        if row.status == "approved":
            raise Rejected(error("partner.already_approved",
                                 f"partner {row.partner_id} is already approved", "partner_id"))
        await uow.partners.assign(row.partner_id, approval.accounts)
        if approval.own_account_id is not None:
            row.own_account_id = approval.own_account_id
        return _changed(uow, row.partner_id, row, "approved")

    return await exactly_once(uow, request, use_case)


async def suspend_partner(suspension: PartnerSuspension, request: Request,
                          uow: UnitOfWork) -> Reply:
    """Stop serving the partner; its requests are refused until it is approved again."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        row = await known_partner(uow, suspension.partner_id)
        if row.status == "suspended":
            raise Rejected(error("partner.already_suspended",
                                 f"partner {row.partner_id} is already suspended", "partner_id"))
        return _changed(uow, row.partner_id, row, "suspended", suspension.reason)

    return await exactly_once(uow, request, use_case)


async def list_partners(uow: UnitOfWork) -> list[PartnerProfile]:
    """Every registered partner with its status, connector and accounts."""
    async with uow:
        return await uow.partners.profiles()


async def record_provisioned(uow: UnitOfWork, partner_id: str, vhost: str) -> None:
    """Note that the partner's vhost exists, so hub workers start consuming it."""
    async with uow:
        row = await known_partner(uow, partner_id)
        row.vhost = vhost
        row.updated_at = datetime.now(UTC)
        await uow.commit()


async def served_partner(uow: UnitOfWork, partner_id: str, path: str | None = "partner_id"
                         ) -> PartnerProfile:
    """The partner if it is approved; otherwise the request is refused."""
    profile = await uow.partners.profile(partner_id)
    if profile is None or profile.status != "approved":
        state = "not registered" if profile is None else profile.status
        raise Rejected(error("partner.not_approved",
                             f"partner {partner_id} is {state}; only approved partners are "
                             "served", path))
    return profile


async def known_partner(uow: UnitOfWork, partner_id: str) -> PartnerRow:
    """The registered partner, locked; refused when there is none."""
    row = await uow.partners.get(partner_id, lock=True)
    if row is None:
        raise Rejected(error("partner.unknown", f"no partner {partner_id}", "partner_id"))
    return row


def _changed(uow: UnitOfWork, partner_id: str, row: PartnerRow | None, status: str,
             reason: str | None = None) -> tuple[str, dict]:
    previous = row.status if row is not None else None
    if row is not None:
        row.status = status
        row.updated_at = datetime.now(UTC)
    uow.outbox.event("partner.status_changed", {
        "partner_id": partner_id, "status": status, "previous_status": previous,
        "reason": reason})
    return "accepted", PartnerResult(partner_id=partner_id, status=status).model_dump()
