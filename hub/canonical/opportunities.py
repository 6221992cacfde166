"""Opportunities as they travel between the brand owner and its partners (docs/contract.md)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from hub.canonical.types import Currency, Identifier, Money, SafeText

TransferStatus = Literal[
    "transfer_pending", "transfer_successful", "transfer_unsuccessful",
    "update_pending", "update_successful", "update_unsuccessful",
]


class AccountRef(BaseModel):
    id: Identifier
    name: SafeText = Field(min_length=1, max_length=200)
    duns: SafeText | None = Field(default=None, max_length=32)


class Revenue(BaseModel):
    product_code: SafeText | None = Field(default=None, max_length=64)
    amount: Money
    currency: Currency
    close_date: date | None = None


class Contact(BaseModel):
    contact_id: Identifier
    first_name: SafeText = Field(max_length=200)
    last_name: SafeText = Field(min_length=1, max_length=200)
    email: SafeText | None = Field(default=None, max_length=254)
    phone: SafeText | None = Field(default=None, max_length=64)
    role: SafeText | None = Field(default=None, max_length=200)


class Note(BaseModel):
    note_id: Identifier
    author: SafeText | None = Field(default=None, max_length=200)
    created_at: datetime
    text: SafeText = Field(max_length=20_000)


class Activity(BaseModel):
    activity_id: Identifier
    kind: Literal["call", "meeting", "task", "email"]
    subject: SafeText = Field(max_length=500)
    due: datetime | None = None
    status: SafeText = Field(max_length=64)


class Opportunity(BaseModel):
    opportunity_id: Identifier
    name: SafeText = Field(min_length=1, max_length=200)
    account: AccountRef
    stage: SafeText = Field(max_length=64)
    probability: int = Field(ge=0, le=100)
    close_date: date
    revenues: list[Revenue] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    external_ids: dict[Identifier, Annotated[SafeText, Field(max_length=200)]] = Field(
        default_factory=dict, max_length=100)


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
