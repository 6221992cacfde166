"""The port the opportunity interfaces call to reach a partner's CRM, with an honest fake."""

import abc
import itertools

from hub.canonical.opportunities import Opportunity
from hub.errors import HubError


class PartnerUnavailable(Exception):
    """The partner could not answer now (refused, timed out, 5xx): retry with backoff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PartnerRefused(Exception):
    """The partner or its answer was refused for good (fault, hostile XML): do not retry."""

    def __init__(self, code: str, reason: str, errors: list[HubError] | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.errors = errors or [HubError(code=code, message=reason)]


class PartnerCrm(abc.ABC):
    """A partner CRM holding our opportunities as its leads, addressed by its own lead id."""

    @abc.abstractmethod
    async def create_lead(self, opportunity: Opportunity, idempotency_key: str) -> str:
        """Create the lead and return the partner's id; the same key returns the same id."""

    @abc.abstractmethod
    async def update_lead(
        self, external_id: str, opportunity: Opportunity, idempotency_key: str
    ) -> None:
        """Replace the lead's content; the same key again changes nothing."""

    @abc.abstractmethod
    async def get_lead(self, external_id: str) -> Opportunity:
        """Read the lead as the partner has it now."""


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
