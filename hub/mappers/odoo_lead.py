"""Canonical opportunity <-> an Odoo-like partner lead, as the ComTel SOAP CRM carries it.

The vocabulary cannot carry, so a round trip loses:

- the stage ``negotiation``: Odoo has one ``Proposition`` stage, read back as ``proposal``;
- an activity's time of day: ``date_deadline`` is a date, read back as midnight UTC;
- ``account.duns`` and the ids other partners gave the opportunity (only this partner's ``id``);
- text with control characters other than tab and newlines, which XML 1.0 cannot carry:
  it is refused with ``lead.text_not_xml``;
- ``description``, ``contact_name``, ``email_from`` and ``phone`` are written for people
  from the notes and first contact and are not read back while ``x_notes``/``x_contacts`` exist.

``expected_revenue`` is the partner's forecast: while it equals the sum of the revenue lines
in ``company_currency`` the lines come back as they are, otherwise as one line of that total.
"""

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hub.canonical.opportunities import Activity, Contact, Note, Opportunity, Revenue
from hub.canonical.types import Currency, Identifier, Money, one_of
from hub.errors import Rejected, error, json_path

STAGES: dict[str, tuple[str, str]] = {
    "prospecting": ("lead", "New"),
    "qualification": ("opportunity", "Qualified"),
    "proposal": ("opportunity", "Proposition"),
    "negotiation": ("opportunity", "Proposition"),
    "closed_won": ("opportunity", "Won"),
    "closed_lost": ("opportunity", "Lost"),
}
STAGES_IN = {"New": "prospecting", "Qualified": "qualification", "Proposition": "proposal",
             "Won": "closed_won", "Lost": "closed_lost"}
KINDS = {"call": "call", "meeting": "meeting", "task": "todo", "email": "email"}
KINDS_IN = {theirs: ours for ours, theirs in KINDS.items()}
# an empty XML element reads back as None: for a required text it is the empty string
Text = Annotated[str, BeforeValidator(lambda value: "" if value is None else value)]
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XmlCarried(BaseModel):
    """A part of the lead, whose texts must be ones XML 1.0 can carry."""

    @field_validator("*", mode="after")
    @classmethod
    def _xml_text(cls, value: Any) -> Any:
        if isinstance(value, str) and NOT_XML.search(value):
            raise PydanticCustomError("lead.text_not_xml", "XML cannot carry control characters")
        return value


class OdooContact(XmlCarried):
    x_hub_ref: Identifier
    firstname: str | None = None
    lastname: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    function: str | None = None


class OdooRevenueLine(XmlCarried):
    product_code: str | None = None
    amount: Money
    currency: Currency
    date: dt.date | None = None


class OdooActivity(XmlCarried):
    id: Identifier | None = None
    x_hub_ref: Identifier | None = None
    activity_type: Literal["call", "meeting", "todo", "email"]
    summary: Text
    date_deadline: dt.date | None = None
    state: Text

    @model_validator(mode="after")
    def _has_reference(self) -> "OdooActivity":
        if not (self.x_hub_ref or self.id):
            raise PydanticCustomError("lead.reference_missing", "an activity needs id or x_hub_ref")
        return self


class OdooNote(XmlCarried):
    x_hub_ref: Identifier
    author: str | None = None
    create_date: dt.datetime
    body: Text


class OdooLead(XmlCarried):
    """One lead as the partner's CRM holds it; field names are theirs."""

    id: Identifier | None = None
    x_hub_ref: Identifier | None = None
    name: str = Field(min_length=1, max_length=200)
    partner_name: str = Field(min_length=1, max_length=200)
    x_account_ref: Identifier | None = None
    contact_name: str | None = None
    email_from: str | None = None
    phone: str | None = None
    type: Literal["lead", "opportunity"]
    stage: Annotated[str, one_of("lead.stage_unknown", *STAGES_IN)]
    probability: float = Field(ge=0, le=100)
    expected_revenue: Money
    company_currency: Currency | None = None
    date_deadline: dt.date | None = None
    description: str | None = None
    x_contacts: list[OdooContact] = Field(default_factory=list)
    x_revenue_lines: list[OdooRevenueLine] = Field(default_factory=list)
    x_activities: list[OdooActivity] = Field(default_factory=list)
    x_notes: list[OdooNote] = Field(default_factory=list)


def rejected(exc: ValidationError) -> Rejected:
    """Turn a pydantic failure into a refusal with stable codes and JSON paths."""
    return Rejected(*(
        error(e["type"] if "." in e["type"] else f"lead.{e['type']}", e["msg"],
              json_path(e["loc"]))
        for e in exc.errors()
    ))


def parse_lead(data: dict[str, Any]) -> OdooLead:
    """Validate a lead received from the partner, refusing it with codes and paths."""
    try:
        return OdooLead.model_validate(data)
    except ValidationError as exc:
        raise rejected(exc) from None


def opportunity_to_lead(o: Opportunity, partner_id: str | None = None) -> OdooLead:
    """Map our opportunity to the partner's lead; ``id`` is the one ``partner_id`` gave it."""
    if o.stage not in STAGES:
        raise Rejected(error("lead.stage_unknown", f"stage '{o.stage}' has no Odoo stage", "stage"))
    lead_type, stage = STAGES[o.stage]
    first = o.contacts[0] if o.contacts else None
    currency = o.revenues[0].currency if o.revenues else None
    try:
        return OdooLead(
            id=o.external_ids.get(partner_id) if partner_id else None,
            x_hub_ref=o.opportunity_id, name=o.name, partner_name=o.account.name,
            x_account_ref=o.account.id, type=lead_type, stage=stage,
            contact_name=f"{first.first_name} {first.last_name}".strip() if first else None,
            email_from=first.email if first else None, phone=first.phone if first else None,
            probability=float(o.probability), company_currency=currency,
            expected_revenue=_total(o.revenues, currency), date_deadline=o.close_date,
            description="\n\n".join(n.text for n in o.notes) or None,
            x_contacts=[_contact_out(c) for c in o.contacts],
            x_revenue_lines=[_revenue_out(r) for r in o.revenues],
            x_activities=[_activity_out(a) for a in o.activities],
            x_notes=[OdooNote(x_hub_ref=n.note_id, author=n.author, create_date=n.created_at,
                              body=n.text) for n in o.notes],
        )
    except ValidationError as exc:
        raise rejected(exc) from None


def lead_to_opportunity(
    lead: OdooLead, partner_id: str | None = None, opportunity_id: str | None = None
) -> Opportunity:
    """Map the partner's lead back; ``opportunity_id`` names a lead that has no ``x_hub_ref``."""
    if not (lead.x_hub_ref or opportunity_id):
        raise Rejected(error("lead.reference_missing", "the lead has no x_hub_ref", "x_hub_ref"))
    for field, code in (("x_account_ref", "lead.account_missing"),
                        ("date_deadline", "lead.close_date_missing")):
        if getattr(lead, field) is None:
            raise Rejected(error(code, f"the lead has no {field}", field))
    try:
        return Opportunity(
            opportunity_id=lead.x_hub_ref or opportunity_id, name=lead.name,
            account={"id": lead.x_account_ref, "name": lead.partner_name},
            stage=STAGES_IN[lead.stage], probability=math.floor(lead.probability + 0.5),
            close_date=lead.date_deadline, revenues=_revenues_in(lead),
            contacts=_contacts_in(lead), activities=[_activity_in(a) for a in lead.x_activities],
            notes=[Note(note_id=n.x_hub_ref, author=n.author, created_at=n.create_date,
                        text=n.body) for n in lead.x_notes],
            external_ids={partner_id: lead.id} if partner_id and lead.id else {},
        )
    except ValidationError as exc:
        raise rejected(exc) from None


def _total(revenues: list[Revenue] | list[OdooRevenueLine], currency: str | None) -> Decimal:
    return sum((r.amount for r in revenues if r.currency == currency), Decimal(0))


def _contact_out(c: Contact) -> OdooContact:
    return OdooContact(x_hub_ref=c.contact_id, firstname=c.first_name or None,
                       lastname=c.last_name, email=c.email, phone=c.phone, function=c.role)


def _revenue_out(r: Revenue) -> OdooRevenueLine:
    return OdooRevenueLine(product_code=r.product_code, amount=r.amount, currency=r.currency,
                           date=r.close_date)


def _activity_out(a: Activity) -> OdooActivity:
    return OdooActivity(x_hub_ref=a.activity_id, activity_type=KINDS[a.kind], summary=a.subject,
                        date_deadline=a.due.date() if a.due else None, state=a.status)


def _activity_in(a: OdooActivity) -> Activity:
    due = a.date_deadline
    return Activity(
        activity_id=a.x_hub_ref or a.id, kind=KINDS_IN[a.activity_type], subject=a.summary,
        due=dt.datetime(due.year, due.month, due.day, tzinfo=dt.UTC) if due else None,
        status=a.state,
    )


def _contacts_in(lead: OdooLead) -> list[Contact]:
    if lead.x_contacts:
        return [Contact(contact_id=c.x_hub_ref, first_name=c.firstname or "", last_name=c.lastname,
                        email=c.email, phone=c.phone, role=c.function) for c in lead.x_contacts]
    if not (lead.contact_name or "").strip():
        return []
    # a lead typed in the partner's CRM has only a full name: the last word is the last name
    first, _, last = lead.contact_name.strip().rpartition(" ")
    return [Contact(contact_id="primary", first_name=first, last_name=last,
                    email=lead.email_from, phone=lead.phone)]


def _revenues_in(lead: OdooLead) -> list[Revenue]:
    lines = [Revenue(product_code=r.product_code, amount=r.amount, currency=r.currency,
                     close_date=r.date) for r in lead.x_revenue_lines]
    if _total(lead.x_revenue_lines, lead.company_currency) == lead.expected_revenue:
        return lines
    if lead.expected_revenue == 0:
        return []
    if lead.company_currency is None:
        raise Rejected(error("lead.currency_missing", "expected_revenue needs company_currency",
                             "company_currency"))
    # the partner changed its forecast: it now speaks for the whole opportunity
    return [Revenue(amount=lead.expected_revenue, currency=lead.company_currency,
                    close_date=lead.date_deadline)]
