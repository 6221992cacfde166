"""The lead records of the Salesforce-like partner CRM, as that CRM itself validates them.

The simulator plays a system the hub does not own, so it checks leads by its own rules and
never by the hub's mapper: a mapper bug then shows up as a refusal, not as agreement with itself.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DecimalText = Annotated[str, Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,4})?$")]
IsoCurrency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
RecordId = Annotated[str, Field(min_length=1, max_length=64)]
Stage = Literal["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review",
                "Closed Won", "Closed Lost"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Related(_Record):
    Id: RecordId | None = None
    ExternalId__c: RecordId | None = None


class ContactRecord(_Related):
    FirstName: str | None = None
    LastName: str = Field(min_length=1)
    Email: str | None = None
    Phone: str | None = None
    Title: str | None = None


class LineItemRecord(_Record):
    ProductCode: str | None = None
    TotalPrice: DecimalText
    CurrencyIsoCode: IsoCurrency
    ServiceDate: dt.date | None = None


class NoteRecord(_Related):
    Title: str | None = None
    Body: str
    CreatedDate: dt.datetime
    CreatedBy: str | None = None


class TaskRecord(_Related):
    Subject: str
    Type: Literal["Call", "Meeting", "Task", "Email"]
    ActivityDate: dt.date | None = None
    Status: str


class LeadRecord(_Record):
    """One lead as the partner's CRM stores it."""

    Id: RecordId | None = None
    ExternalId__c: RecordId | None = None
    Name: str = Field(min_length=1, max_length=200)
    Company: str = Field(min_length=1, max_length=200)
    AccountId__c: RecordId | None = None
    CompanyDunsNumber: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    Email: str | None = None
    Phone: str | None = None
    Title: str | None = None
    Status: str | None = None
    StageName: Stage
    Probability: float = Field(ge=0, le=100)
    Amount: DecimalText | None = None
    CurrencyIsoCode: IsoCurrency | None = None
    CloseDate: dt.date
    Contacts__r: list[ContactRecord] = Field(default_factory=list)
    LineItems__r: list[LineItemRecord] = Field(default_factory=list)
    Notes__r: list[NoteRecord] = Field(default_factory=list)
    Tasks__r: list[TaskRecord] = Field(default_factory=list)
    IsWon: bool | None = None
    IsClosed: bool | None = None


def stored_lead(lead: Any) -> dict[str, Any]:
    """The lead as the CRM keeps it; raises pydantic's ValidationError when it is not one."""
    return LeadRecord.model_validate(lead).model_dump(mode="json", exclude_none=True)
