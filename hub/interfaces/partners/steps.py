"""Checks every request about a partner's opportunity goes through."""

from hub.canonical.partners import PartnerProfile
from hub.errors import Rejected, error
from hub.store.partner_tables import OpportunityLinkRow
from hub.store.unit_of_work import UnitOfWork


async def check_account(uow: UnitOfWork, partner: PartnerProfile, account_id: str,
                        path: str) -> None:
    """A partner acts only on the accounts assigned to it."""
    if not await uow.partners.has_account(partner.partner_id, account_id):
        raise Rejected(error("partner.account_not_assigned",
                             f"account {account_id} is not assigned to partner "
                             f"{partner.partner_id}", path))


async def transferred_link(uow: UnitOfWork, opportunity_id: str, partner_id: str,
                           path: str) -> OpportunityLinkRow:
    """The cross-reference of an opportunity the partner holds; refused when it holds none."""
    link = await uow.opportunities.get(opportunity_id, partner_id, lock=True)
    if link is None or link.external_id is None:
        raise Rejected(error("opportunity.not_transferred",
                             f"opportunity {opportunity_id} was never transferred to partner "
                             f"{partner_id}; transfer it first", path))
    return link
