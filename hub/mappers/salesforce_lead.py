"""Canonical opportunity <-> a Salesforce-like lead (JSON), for partners on that vocabulary.

The vocabulary cannot carry, so a round trip loses:

- an activity's time of day: a task's ``ActivityDate`` is a date, read back as midnight UTC;
- the ids other partners gave the opportunity (only this partner's ``Id``).

Derived for people and not read back: ``Status``, ``IsWon``, ``IsClosed`` (from the stage),
a note's ``Title`` (its first line), and the top-level ``FirstName``..``Title`` (the first
contact) while ``Contacts__r`` has records. ``Amount`` is the partner's forecast: while it
equals the sum of ``LineItems__r`` in ``CurrencyIsoCode`` the lines come back as they are,
otherwise as one line of that total.
"""

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from hub.canonical.opportunities import Activity, Contact, Note, Opportunity, Revenue
from hub.canonical.types import Currency, Identifier, Money, one_of
from hub.errors import Rejected, error, json_path

STAGES = {
    "prospecting": "Prospecting", "qualification": "Qualification",
    "proposal": "Proposal/Price Quote", "negotiation": "Negotiation/Review",
    "closed_won": "Closed Won", "closed_lost": "Closed Lost",
}
STAGES_IN = {theirs: ours for ours, theirs in STAGES.items()}
LEAD_STATUS = {"prospecting": "Open - Not Contacted", "closed_won": "Closed - Converted",
               "closed_lost": "Closed - Not Converted"}
KINDS = {"call": "Call", "meeting": "Meeting", "task": "Task", "email": "Email"}
KINDS_IN = {theirs: ours for ours, theirs in KINDS.items()}


class SfChild(BaseModel):
    """A related record: ours carry ``ExternalId__c``, the partner's own carry only ``Id``."""

    Id: Identifier | None = None
    ExternalId__c: Identifier | None = None

    @model_validator(mode="after")
    def _has_reference(self) -> "SfChild":
        if not (self.ExternalId__c or self.Id):
            raise PydanticCustomError("lead.reference_missing", "needs Id or ExternalId__c")
        return self

    @property
    def ref(self) -> str:
        return self.ExternalId__c or self.Id or ""


class SfContact(SfChild):
    FirstName: str | None = None
    LastName: str = Field(min_length=1)
    Email: str | None = None
    Phone: str | None = None
    Title: str | None = None


class SfLineItem(BaseModel):
    ProductCode: str | None = None
    TotalPrice: Money
    CurrencyIsoCode: Currency
    ServiceDate: dt.date | None = None


class SfNote(SfChild):
    Title: str | None = None
    Body: str
    CreatedDate: dt.datetime
    CreatedBy: str | None = None


class SfTask(SfChild):
    Subject: str
    Type: Literal["Call", "Meeting", "Task", "Email"]
    ActivityDate: dt.date | None = None
    Status: str


class SalesforceLead(BaseModel):
    """One lead as the partner's CRM holds it; field names are theirs."""

    Id: Identifier | None = None
    ExternalId__c: Identifier | None = None
    Name: str = Field(min_length=1, max_length=200)
    Company: str = Field(min_length=1, max_length=200)
    AccountId__c: Identifier | None = None
    CompanyDunsNumber: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    Email: str | None = None
    Phone: str | None = None
    Title: str | None = None
    Status: str | None = None
    StageName: Annotated[str, one_of("lead.stage_unknown", *STAGES_IN)]
    Probability: float = Field(ge=0, le=100)
    Amount: Money | None = None
    CurrencyIsoCode: Currency | None = None
    CloseDate: dt.date
    Contacts__r: list[SfContact] = Field(default_factory=list)
    LineItems__r: list[SfLineItem] = Field(default_factory=list)
    Notes__r: list[SfNote] = Field(default_factory=list)
    Tasks__r: list[SfTask] = Field(default_factory=list)
    IsWon: bool | None = None
    IsClosed: bool | None = None


def rejected(exc: ValidationError) -> Rejected:
    """Turn a pydantic failure into a refusal with stable codes and JSON paths."""
    return Rejected(*(
        error(e["type"] if "." in e["type"] else f"lead.{e['type']}", e["msg"],
              json_path(e["loc"]))
        for e in exc.errors()
    ))


def opportunity_to_lead(o: Opportunity, partner_id: str | None = None) -> dict[str, Any]:
    """Map our opportunity to the partner's lead (JSON); ``Id`` is the one ``partner_id`` gave."""
    if o.stage not in STAGES:
        raise Rejected(error("lead.stage_unknown", f"stage '{o.stage}' has no Salesforce stage",
                             "stage"))
    currency = o.revenues[0].currency if o.revenues else None
    try:
        lead = SalesforceLead(
            Id=o.external_ids.get(partner_id) if partner_id else None,
            ExternalId__c=o.opportunity_id, Name=o.name, Company=o.account.name,
            AccountId__c=o.account.id, CompanyDunsNumber=o.account.duns,
            **_primary(o.contacts[0] if o.contacts else None),
            Status=LEAD_STATUS.get(o.stage, "Working - Contacted"), StageName=STAGES[o.stage],
            Probability=o.probability, CurrencyIsoCode=currency, CloseDate=o.close_date,
            Amount=_total(((r.amount, r.currency) for r in o.revenues), currency)
            if o.revenues else None,
            Contacts__r=[_contact_out(c) for c in o.contacts],
            LineItems__r=[SfLineItem(ProductCode=r.product_code, TotalPrice=r.amount,
                                     CurrencyIsoCode=r.currency, ServiceDate=r.close_date)
                          for r in o.revenues],
            Notes__r=[_note_out(n) for n in o.notes],
            Tasks__r=[_task_out(a) for a in o.activities],
            IsWon=o.stage == "closed_won", IsClosed=o.stage.startswith("closed_"),
        )
    except ValidationError as exc:
        raise rejected(exc) from None
    return lead.model_dump(mode="json", exclude_none=True)


def lead_to_opportunity(
    lead: dict[str, Any], partner_id: str | None = None, opportunity_id: str | None = None
) -> Opportunity:
    """Validate the partner's lead and map it back; ``opportunity_id`` names a lead of theirs."""
    try:
        sf = SalesforceLead.model_validate(lead)
    except ValidationError as exc:
        raise rejected(exc) from None
    if not (sf.ExternalId__c or opportunity_id):
        raise Rejected(error("lead.reference_missing", "the lead has no ExternalId__c",
                             "ExternalId__c"))
    if not sf.AccountId__c:
        raise Rejected(error("lead.account_missing", "the lead has no AccountId__c",
                             "AccountId__c"))
    try:
        return _opportunity(sf, partner_id, opportunity_id)
    except ValidationError as exc:
        raise rejected(exc) from None


def _opportunity(sf: SalesforceLead, partner_id: str | None, opportunity_id: str | None
                 ) -> Opportunity:
    return Opportunity(
        opportunity_id=sf.ExternalId__c or opportunity_id, name=sf.Name,
        account={"id": sf.AccountId__c, "name": sf.Company, "duns": sf.CompanyDunsNumber},
        stage=STAGES_IN[sf.StageName], probability=math.floor(sf.Probability + 0.5),
        close_date=sf.CloseDate, revenues=_revenues_in(sf), contacts=_contacts_in(sf),
        notes=[Note(note_id=n.ref, author=n.CreatedBy, created_at=n.CreatedDate, text=n.Body)
               for n in sf.Notes__r],
        activities=[_activity_in(t) for t in sf.Tasks__r],
        external_ids={partner_id: sf.Id} if partner_id and sf.Id else {},
    )


def _total(amounts: Iterable[tuple[Decimal, str]], currency: str | None) -> Decimal:
    return sum((amount for amount, in_currency in amounts if in_currency == currency), Decimal(0))


def _primary(c: Contact | None) -> dict[str, str | None]:
    if c is None:
        return {}
    return {"FirstName": c.first_name, "LastName": c.last_name, "Email": c.email,
            "Phone": c.phone, "Title": c.role}


def _contact_out(c: Contact) -> SfContact:
    return SfContact(ExternalId__c=c.contact_id, FirstName=c.first_name, LastName=c.last_name,
                     Email=c.email, Phone=c.phone, Title=c.role)


def _note_out(n: Note) -> SfNote:
    return SfNote(ExternalId__c=n.note_id, Title=(n.text.splitlines() or [""])[0][:80] or None,
                  Body=n.text, CreatedDate=n.created_at, CreatedBy=n.author)


def _task_out(a: Activity) -> SfTask:
    return SfTask(ExternalId__c=a.activity_id, Subject=a.subject, Type=KINDS[a.kind],
                  ActivityDate=a.due.date() if a.due else None, Status=a.status)


def _activity_in(t: SfTask) -> Activity:
    due = t.ActivityDate
    return Activity(
        activity_id=t.ref, kind=KINDS_IN[t.Type], subject=t.Subject, status=t.Status,
        due=dt.datetime(due.year, due.month, due.day, tzinfo=dt.UTC) if due else None,
    )


def _contacts_in(sf: SalesforceLead) -> list[Contact]:
    if sf.Contacts__r:
        return [Contact(contact_id=c.ref, first_name=c.FirstName or "", last_name=c.LastName,
                        email=c.Email, phone=c.Phone, role=c.Title) for c in sf.Contacts__r]
    if not sf.LastName:
        return []
    return [Contact(contact_id="primary", first_name=sf.FirstName or "", last_name=sf.LastName,
                    email=sf.Email, phone=sf.Phone, role=sf.Title)]


def _revenues_in(sf: SalesforceLead) -> list[Revenue]:
    lines = [Revenue(product_code=li.ProductCode, amount=li.TotalPrice,
                     currency=li.CurrencyIsoCode, close_date=li.ServiceDate)
             for li in sf.LineItems__r]
    total = _total(((li.TotalPrice, li.CurrencyIsoCode) for li in sf.LineItems__r),
                   sf.CurrencyIsoCode)
    if sf.Amount is None or total == sf.Amount:
        return lines
    if sf.Amount == 0:
        return []
    if sf.CurrencyIsoCode is None:
        raise Rejected(error("lead.currency_missing", "Amount needs CurrencyIsoCode",
                             "CurrencyIsoCode"))
    # the partner changed its forecast: it now speaks for the whole opportunity
    return [Revenue(amount=sf.Amount, currency=sf.CurrencyIsoCode)]
