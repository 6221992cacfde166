"""Honest in-memory fakes of the hub's ports, for tests and demos without a network."""

import itertools
from dataclasses import dataclass, field

from hub.canonical.opportunities import Opportunity
from hub.canonical.partners import PartnerProfile
from hub.interfaces.ports import CrmDirectory, PartnerCrm, PartnerRefused, PartnerUnavailable


class InMemoryPartnerCrm(PartnerCrm):
    """A partner CRM in a dict, with the simulator's idempotency rules and switchable faults.

    Unlike a real partner it loses nothing of the opportunity (no vocabulary in between).
    """

    def __init__(self, partner_id: str = "partner") -> None:
        self.partner_id = partner_id
        self.leads: dict[str, Opportunity] = {}
        self.down = False
        self.refusal: PartnerRefused | None = None
        self._created: dict[str, str] = {}
        self._updated: set[str] = set()
        self._ids = itertools.count(1)

    async def create_lead(self, opportunity: Opportunity, idempotency_key: str) -> str:
        self._answerable()
        if idempotency_key in self._created:
            return self._created[idempotency_key]
        lead_id = f"lead-{next(self._ids)}"
        self.leads[lead_id] = self._stored(lead_id, opportunity)
        self._created[idempotency_key] = lead_id
        return lead_id

    async def update_lead(
        self, external_id: str, opportunity: Opportunity, idempotency_key: str
    ) -> None:
        self._answerable()
        self._known(external_id)
        if idempotency_key not in self._updated:
            self.leads[external_id] = self._stored(external_id, opportunity)
            self._updated.add(idempotency_key)

    async def get_lead(self, external_id: str) -> Opportunity:
        self._answerable()
        return self._known(external_id).model_copy(deep=True)

    def advance(self, external_id: str, **changes: object) -> None:
        """Work the lead from the partner's side (stage, probability, revenues, activities)."""
        lead = self._known(external_id)
        self.leads[external_id] = Opportunity.model_validate({**lead.model_dump(), **changes})

    def _stored(self, lead_id: str, opportunity: Opportunity) -> Opportunity:
        ids = {self.partner_id: lead_id}
        return opportunity.model_copy(update={"external_ids": ids}, deep=True)

    def _answerable(self) -> None:
        if self.down:
            raise PartnerUnavailable("partner CRM is down")
        if self.refusal is not None:
            raise self.refusal

    def _known(self, external_id: str) -> Opportunity:
        if external_id not in self.leads:
            raise PartnerRefused("partner.not_found", f"no lead {external_id}")
        return self.leads[external_id]


@dataclass
class InMemoryCrmDirectory(CrmDirectory):
    """Every partner's CRM in memory: the honest fake for tests without a network."""

    crms: dict[str, InMemoryPartnerCrm] = field(default_factory=dict)

    async def crm_for(self, partner: PartnerProfile) -> PartnerCrm:
        return self.crms.setdefault(partner.partner_id, InMemoryPartnerCrm(partner.partner_id))
