"""Steps the opportunity ASIs share: the first transaction before a partner call, and the checks
every request about a partner's opportunity goes through."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from hub.canonical.partners import PartnerProfile
from hub.canonical.replies import Reply
from hub.errors import HubError, Rejected, error
from hub.interfaces.rejections import record_rejection
from hub.interfaces.request import Request
from hub.store.partner_tables import OpportunityLinkRow
from hub.store.unit_of_work import UnitOfWork

T = TypeVar("T")
# the first transaction can lose a race with a duplicate of the same request: try again
_ATTEMPTS = 3


async def prepare(uow: UnitOfWork, request: Request,
                  step: Callable[[UnitOfWork], Awaitable[T]]) -> T | Reply:
    """Commit ``step`` without remembering a reply yet: the answer waits for the partner.

    A request answered before gets its stored reply; a refused one is answered and remembered.
    """
    refused: list[HubError] = []
    for attempt in range(_ATTEMPTS):
        async with uow:
            if (stored := await uow.inbox.reply_for(request.message_id)) is not None:
                return Reply.model_validate(stored)
            try:
                prepared = await step(uow)
            except Rejected as rejected:
                refused = rejected.errors
                break
            try:
                await uow.commit()
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            return prepared
    return await record_rejection(uow, request, refused, {})


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
