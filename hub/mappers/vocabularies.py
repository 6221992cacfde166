"""The partner vocabularies by name: each maps a lead as JSON to and from the canonical model."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.canonical.opportunities import Opportunity
from hub.mappers import odoo_lead, salesforce_lead

LeadOut = Callable[[Opportunity, str | None], dict[str, Any]]
LeadIn = Callable[[dict[str, Any], str | None, str | None], Opportunity]


@dataclass(frozen=True)
class Vocabulary:
    """One partner vocabulary: its mappers and where a lead keeps its ids and account."""

    name: str
    to_lead: LeadOut
    from_lead: LeadIn
    id_field: str
    hub_ref_field: str
    account_field: str

    def lead_id(self, lead: dict[str, Any]) -> str | None:
        """The partner's own id of the lead, when it has one."""
        return _text(lead.get(self.id_field))

    def hub_ref(self, lead: dict[str, Any]) -> str | None:
        """Our opportunity id as the lead carries it, when it does."""
        return _text(lead.get(self.hub_ref_field))


def _odoo_out(o: Opportunity, partner_id: str | None) -> dict[str, Any]:
    return odoo_lead.opportunity_to_lead(o, partner_id).model_dump(mode="json", exclude_none=True)


def _odoo_in(lead: dict[str, Any], partner_id: str | None, opportunity_id: str | None
             ) -> Opportunity:
    return odoo_lead.lead_to_opportunity(odoo_lead.parse_lead(lead), partner_id, opportunity_id)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


SALESFORCE = Vocabulary("salesforce", salesforce_lead.opportunity_to_lead,
                        salesforce_lead.lead_to_opportunity, "Id", "ExternalId__c",
                        "AccountId__c")
ODOO = Vocabulary("odoo", _odoo_out, _odoo_in, "id", "x_hub_ref", "x_account_ref")
VOCABULARIES = {v.name: v for v in (SALESFORCE, ODOO)}
