"""Opportunity ASIs a partner calls on its own vhost, with leads in its own vocabulary.

The caller is the broker-validated ``user_id``, never a field of the body, and must be the
partner whose vhost carried the request. A partner transfers its own lead (with its own id
and no id of ours), updates a lead shared with the brand owner, and queries how the brand owner
holds a shared opportunity (answered in the partner's vocabulary).
"""

from datetime import UTC, datetime
from typing import Any

from hub.canonical.opportunities import Opportunity, TransferResult
from hub.canonical.partners import PartnerLead, PartnerOpportunityRef, PartnerProfile
from hub.canonical.replies import Reply
from hub.errors import Rejected, error
from hub.interfaces.exactly_once import exactly_once, rejection
from hub.interfaces.partners.identity import identify
from hub.interfaces.partners.steps import check_account
from hub.interfaces.request import Request
from hub.mappers.vocabularies import VOCABULARIES, Vocabulary
from hub.store.partner_tables import OpportunityLinkRow
from hub.store.unit_of_work import UnitOfWork


async def receive_partner_lead(message: PartnerLead, request: Request, uow: UnitOfWork,
                               channel_partner: str) -> Reply:
    """A partner hands one of its own leads to the brand owner: ``opportunity.received``."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        partner = await identify(uow, request, channel_partner)
        vocabulary = VOCABULARIES[partner.vocabulary]
        lead_id = vocabulary.lead_id(message.lead)
        if lead_id is None:
            raise Rejected(error("lead.id_missing", "a partner's lead needs its own id",
                                 f"lead.{vocabulary.id_field}"))
        if (ours := vocabulary.hub_ref(message.lead)) is not None:
            await _never_ours(uow, partner, ours, vocabulary)
        if await uow.opportunities.by_external_id(partner.partner_id, lead_id) is not None:
            raise Rejected(error("opportunity.already_transferred",
                                 f"lead {lead_id} was already transferred; send an update",
                                 f"lead.{vocabulary.id_field}"))
        opportunity = _mapped(vocabulary, message.lead, partner.partner_id,
                              f"{partner.partner_id}.{lead_id}")
        await check_account(uow, partner, opportunity.account.id,
                            f"lead.{vocabulary.account_field}")
        document = opportunity.model_dump(mode="json")
        uow.opportunities.add(opportunity.opportunity_id, partner.partner_id, origin="partner",
                              transfer_status="transfer_successful", document=document,
                              external_id=lead_id)
        uow.outbox.event("opportunity.received", {
            "opportunity_id": opportunity.opportunity_id, "partner_id": partner.partner_id,
            "external_id": lead_id, "opportunity": document})
        return "accepted", _result(opportunity.opportunity_id, partner, "transfer_successful",
                                   lead_id)

    return await exactly_once(uow, request, use_case)


async def receive_partner_update(message: PartnerLead, request: Request, uow: UnitOfWork,
                                 channel_partner: str) -> Reply:
    """A partner's news on a shared opportunity, mapped back: ``opportunity.updated``."""

    async def use_case(uow: UnitOfWork) -> tuple[str, dict]:
        partner = await identify(uow, request, channel_partner)
        vocabulary = VOCABULARIES[partner.vocabulary]
        link = await _shared_link(uow, partner, vocabulary, message.lead)
        opportunity = _mapped(vocabulary, message.lead, partner.partner_id, link.opportunity_id)
        if opportunity.opportunity_id != link.opportunity_id:
            raise _not_shared(opportunity.opportunity_id, partner, vocabulary)
        await check_account(uow, partner, opportunity.account.id,
                            f"lead.{vocabulary.account_field}")
        ids = {**link.document.get("external_ids", {}), partner.partner_id: link.external_id}
        document = opportunity.model_copy(update={"external_ids": ids}).model_dump(mode="json")
        link.document, link.transfer_status = document, "update_successful"
        link.updated_at = datetime.now(UTC)
        uow.outbox.event("opportunity.updated", {
            "opportunity_id": link.opportunity_id, "partner_id": partner.partner_id,
            "source": "partner", "opportunity": document})
        return "accepted", _result(link.opportunity_id, partner, "update_successful",
                                   link.external_id)

    return await exactly_once(uow, request, use_case)


async def answer_partner_query(ref: PartnerOpportunityRef, request: Request, uow: UnitOfWork,
                               channel_partner: str) -> Reply:
    """How the brand owner holds a shared opportunity now, as a lead in the partner's vocabulary."""
    try:
        async with uow:
            partner = await identify(uow, request, channel_partner)
            vocabulary = VOCABULARIES[partner.vocabulary]
            link = await uow.opportunities.get(ref.opportunity_id, partner.partner_id)
            if link is None:
                raise _not_shared(ref.opportunity_id, partner, None)
            lead = vocabulary.to_lead(Opportunity.model_validate(link.document),
                                      partner.partner_id)
    except Rejected as rejected:
        return rejection(request, rejected.errors)
    return Reply(status="ok", operation=request.operation, request_id=request.message_id,
                 result={"opportunity_id": ref.opportunity_id, "lead": lead})


async def _shared_link(uow: UnitOfWork, partner: PartnerProfile, vocabulary: Vocabulary,
                       lead: dict[str, Any]) -> OpportunityLinkRow:
    ours, theirs = vocabulary.hub_ref(lead), vocabulary.lead_id(lead)
    if ours is not None:
        link = await uow.opportunities.get(ours, partner.partner_id, lock=True)
    elif theirs is not None:
        link = await uow.opportunities.by_external_id(partner.partner_id, theirs, lock=True)
    else:
        raise Rejected(error("lead.id_missing", "the lead names neither its id nor ours",
                             f"lead.{vocabulary.id_field}"))
    if link is None or (theirs is not None and link.external_id not in (None, theirs)):
        raise _not_shared(ours or theirs or "", partner, vocabulary)
    return link


async def _never_ours(uow: UnitOfWork, partner: PartnerProfile, ours: str,
                      vocabulary: Vocabulary) -> None:
    """A partner's own lead carries no id of ours: one that does is shared already, or not at all."""
    if await uow.opportunities.get(ours, partner.partner_id) is None:
        raise _not_shared(ours, partner, vocabulary)
    raise Rejected(error("opportunity.already_transferred",
                         f"opportunity {ours} is already shared; send an update",
                         f"lead.{vocabulary.hub_ref_field}"))


def _not_shared(reference: str, partner: PartnerProfile, vocabulary: Vocabulary | None
                ) -> Rejected:
    path = f"lead.{vocabulary.hub_ref_field}" if vocabulary else "opportunity_id"
    return Rejected(error("opportunity.not_shared",
                          f"opportunity {reference} is not shared between the brand owner and "
                          f"partner {partner.partner_id}", path))


def _mapped(vocabulary: Vocabulary, lead: dict[str, Any], partner_id: str,
            opportunity_id: str) -> Opportunity:
    try:
        return vocabulary.from_lead(lead, partner_id, opportunity_id)
    except Rejected as rejected:
        raise Rejected(*(e.model_copy(update={"path": f"lead.{e.path}" if e.path else "lead"})
                         for e in rejected.errors)) from None


def _result(opportunity_id: str, partner: PartnerProfile, status: str,
            external_id: str | None) -> dict:
    return TransferResult(opportunity_id=opportunity_id, partner_id=partner.partner_id,
                          transfer_status=status, external_id=external_id).model_dump(mode="json")
