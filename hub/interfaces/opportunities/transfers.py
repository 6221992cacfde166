"""Opportunity ASIs of the brand owner: transfer to a partner, send updates, query progress.

Each runs in three steps so that no transaction is open while a partner answers: (1) check
and record ``*_pending`` with its event; (2) call the partner's CRM with retries; (3) record the
outcome and the cross-reference, and remember the reply. A crash between (1) and (3)
redelivers the request, which finds the pending record and calls again with the same
idempotency key, so the partner hands back the lead it already made instead of a second one.
A call that still fails is answered ``rejected`` with the transfer status and the partner's
reason; it is not remembered, so a replay from the dead-letter queue tries again.
"""

from datetime import UTC, datetime

from hub.canonical.opportunities import (
    Opportunity,
    OpportunityQuery,
    TransferRequest,
    TransferResult,
    TransferStatus,
)
from hub.canonical.partners import PartnerProfile
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.exactly_once import exactly_once, prepare, stored_reply
from hub.interfaces.partners.calls import PartnerCalls, idempotency_key
from hub.interfaces.partners.registry import served_partner
from hub.interfaces.partners.steps import check_account, transferred_link
from hub.interfaces.ports import PartnerRefused, PartnerUnavailable
from hub.interfaces.request import Request
from hub.store.partner_tables import OpportunityLinkRow
from hub.store.unit_of_work import UnitOfWork

PartnerFailure = PartnerUnavailable | PartnerRefused


async def transfer_opportunity(transfer: TransferRequest, request: Request, uow: UnitOfWork,
                               calls: PartnerCalls) -> Reply:
    """Deliver the opportunity to the partner's CRM as a lead and keep the cross-reference."""
    opportunity = transfer.opportunity
    step = await prepare(uow, request, lambda uow: _start_transfer(uow, transfer, request))
    if isinstance(step, Reply):
        return step
    partner, key = step
    try:
        lead_id = await calls.call(partner, lambda crm: crm.create_lead(opportunity, key))
    except (PartnerUnavailable, PartnerRefused) as failure:
        return await _unsuccessful(uow, request, transfer, "transfer_unsuccessful", failure)
    return await exactly_once(uow, request, lambda uow: _settled(
        uow, transfer, "transfer_successful", lead_id))


async def update_opportunity(update: TransferRequest, request: Request, uow: UnitOfWork,
                             calls: PartnerCalls) -> Reply:
    """Send the brand owner's changes to the lead the partner holds."""
    opportunity = update.opportunity
    step = await prepare(uow, request, lambda uow: _start_update(uow, update))
    if isinstance(step, Reply):
        return step
    partner, lead_id = step
    key = idempotency_key("update", partner.partner_id, request.message_id)
    try:
        await calls.call(partner, lambda crm: crm.update_lead(lead_id, opportunity, key))
    except (PartnerUnavailable, PartnerRefused) as failure:
        return await _unsuccessful(uow, request, update, "update_unsuccessful", failure)
    return await exactly_once(uow, request, lambda uow: _settled(
        uow, update, "update_successful", lead_id))


async def query_opportunity(query: OpportunityQuery, request: Request, uow: UnitOfWork,
                            calls: PartnerCalls) -> Reply:
    """Ask the partner's CRM how the opportunity stands now, and announce it mapped back."""
    step = await prepare(uow, request, lambda uow: _start_query(uow, query))
    if isinstance(step, Reply):
        return step
    partner, lead_id = step
    try:
        found = await calls.call(partner, lambda crm: crm.get_lead(lead_id))
    except (PartnerUnavailable, PartnerRefused) as failure:
        code, reason = _why(failure)
        return Reply(status="rejected", operation=request.operation,
                     request_id=request.message_id, errors=[error(code, reason)])
    return await exactly_once(uow, request, lambda uow: _queried(uow, query, lead_id, found))


async def _start_transfer(uow: UnitOfWork, transfer: TransferRequest, request: Request
                          ) -> tuple[PartnerProfile, str]:
    opportunity = transfer.opportunity
    partner = await served_partner(uow, transfer.partner_id)
    await check_account(uow, partner, opportunity.account.id, "opportunity.account.id")
    link = await uow.opportunities.get(opportunity.opportunity_id, partner.partner_id, lock=True)
    if link is not None and link.external_id is not None:
        raise Rejected(error("opportunity.already_transferred",
                             f"opportunity {opportunity.opportunity_id} is already with partner "
                             f"{partner.partner_id} as {link.external_id}; send an update",
                             "opportunity.opportunity_id"))
    document = opportunity.model_dump(mode="json")
    if link is None:
        # one key per opportunity and partner until the lead exists: every retry, replay or
        # new attempt reaches the partner with it, so the partner makes one lead at most
        link = uow.opportunities.add(
            opportunity.opportunity_id, partner.partner_id, origin="brand_owner",
            transfer_status="transfer_pending", document=document,
            call_key=idempotency_key("transfer", partner.partner_id, request.message_id))
        _announce(uow, link)
    else:
        link.document = document
        _pending(uow, link, "transfer_pending")
    return partner, link.call_key or ""


async def _start_update(uow: UnitOfWork, update: TransferRequest) -> tuple[PartnerProfile, str]:
    opportunity = update.opportunity
    partner = await served_partner(uow, update.partner_id)
    link = await transferred_link(uow, opportunity.opportunity_id, partner.partner_id,
                                  "opportunity.opportunity_id")
    await check_account(uow, partner, opportunity.account.id, "opportunity.account.id")
    _pending(uow, link, "update_pending")
    return partner, link.external_id or ""


async def _start_query(uow: UnitOfWork, query: OpportunityQuery) -> tuple[PartnerProfile, str]:
    partner = await served_partner(uow, query.partner_id)
    link = await transferred_link(uow, query.opportunity_id, partner.partner_id,
                                  "opportunity_id")
    return partner, link.external_id or ""


def _pending(uow: UnitOfWork, link: OpportunityLinkRow, status: TransferStatus) -> None:
    """Record and announce the pending status once (a redelivered request finds it set)."""
    if link.transfer_status == status:
        return
    link.transfer_status, link.reason, link.updated_at = status, None, datetime.now(UTC)
    _announce(uow, link)


def _announce(uow: UnitOfWork, link: OpportunityLinkRow) -> None:
    result = TransferResult(opportunity_id=link.opportunity_id, partner_id=link.partner_id,
                            transfer_status=link.transfer_status, external_id=link.external_id)
    uow.outbox.event("opportunity.transfer_status", result.model_dump(mode="json"))


async def _settled(uow: UnitOfWork, request: TransferRequest, status: TransferStatus,
                   lead_id: str) -> tuple[str, dict]:
    opportunity = request.opportunity
    link = await uow.opportunities.get(opportunity.opportunity_id, request.partner_id, lock=True)
    assert link is not None, "the first step recorded the cross-reference"
    ids = {**opportunity.external_ids, request.partner_id: lead_id}
    link.external_id, link.transfer_status, link.reason = lead_id, status, None
    link.document = opportunity.model_copy(update={"external_ids": ids}).model_dump(mode="json")
    link.updated_at = datetime.now(UTC)
    result = TransferResult(opportunity_id=opportunity.opportunity_id,
                            partner_id=request.partner_id, transfer_status=status,
                            external_id=lead_id).model_dump(mode="json")
    uow.outbox.event("opportunity.transfer_status", result)
    return "accepted", result


async def _unsuccessful(uow: UnitOfWork, request: Request, transfer: TransferRequest,
                        status: TransferStatus, failure: PartnerFailure) -> Reply:
    """Record and announce the failure; the reply is not remembered, so a replay tries again."""
    code, reason = _why(failure)
    opportunity_id = transfer.opportunity.opportunity_id
    async with uow:
        if (stored := await stored_reply(uow, request)) is not None:
            return stored  # a duplicate of this request got through
        link = await uow.opportunities.get(opportunity_id, transfer.partner_id, lock=True)
        assert link is not None, "the first step recorded the cross-reference"
        link.transfer_status, link.reason, link.updated_at = status, reason, datetime.now(UTC)
        result = TransferResult(opportunity_id=opportunity_id, partner_id=transfer.partner_id,
                                transfer_status=status, external_id=link.external_id,
                                reason=reason).model_dump(mode="json")
        uow.outbox.event("opportunity.transfer_status", {**result, "code": code})
        await uow.commit()
    return Reply(status="rejected", operation=request.operation, request_id=request.message_id,
                 result=result, errors=[error(code, reason)])


async def _queried(uow: UnitOfWork, query: OpportunityQuery, lead_id: str,
                   found: Opportunity) -> tuple[str, dict]:
    link = await uow.opportunities.get(query.opportunity_id, query.partner_id, lock=True)
    assert link is not None, "the first step found the cross-reference"
    ids = {**link.document.get("external_ids", {}), query.partner_id: lead_id}
    opportunity = found.model_copy(update={"opportunity_id": query.opportunity_id,
                                           "external_ids": ids}).model_dump(mode="json")
    link.document, link.updated_at = opportunity, datetime.now(UTC)
    uow.outbox.event("opportunity.updated", {
        "opportunity_id": query.opportunity_id, "partner_id": query.partner_id,
        "source": "partner", "opportunity": opportunity})
    return "ok", {"opportunity": opportunity}


def _why(failure: PartnerFailure) -> tuple[str, str]:
    if isinstance(failure, PartnerUnavailable):
        return "partner.unavailable", f"the partner CRM did not answer: {failure.reason}"
    return failure.code, f"the partner CRM refused: {failure.reason}"
