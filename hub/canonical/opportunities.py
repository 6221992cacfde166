"""Opportunities as they travel between the brand owner and its partners (docs/contract.md)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from hub.canonical.types import Currency, Identifier, Money

TransferStatus = Literal[
    "transfer_pending", "transfer_successful", "transfer_unsuccessful",
    "update_pending", "update_successful", "update_unsuccessful",
]


class AccountRef(BaseModel):
    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    duns: str | None = None


class Revenue(BaseModel):
    product_code: str | None = None
    amount: Money
    currency: Currency
    close_date: date | None = None


class Contact(BaseModel):
    contact_id: Identifier
    first_name: str
    last_name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    role: str | None = None


class Note(BaseModel):
    note_id: Identifier
    author: str | None = None
    created_at: datetime
    text: str


class Activity(BaseModel):
    activity_id: Identifier
    kind: Literal["call", "meeting", "task", "email"]
    subject: str
    due: datetime | None = None
    status: str


class Opportunity(BaseModel):
    opportunity_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    account: AccountRef
    stage: str
    probability: int = Field(ge=0, le=100)
    close_date: date
    revenues: list[Revenue] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    external_ids: dict[str, str] = Field(default_factory=dict)


class TransferRequest(BaseModel):
    opportunity: Opportunity
    partner_id: Identifier


class OpportunityQuery(BaseModel):
    opportunity_id: Identifier
    partner_id: Identifier


class TransferResult(BaseModel):
    opportunity_id: str
    partner_id: str
    transfer_status: TransferStatus
    external_id: str | None = None
    reason: str | None = None
