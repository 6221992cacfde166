"""Partners of the brand owner as the channel manager registers, approves and suspends them."""

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hub.canonical.types import Identifier, one_of

PartnerStatus = Literal["applied", "approved", "suspended"]
ConnectorKind = Literal["amqp", "soap"]
VocabularyName = Literal["salesforce", "odoo"]
# the vocabulary each kind of connector speaks unless the registration names another
DEFAULT_VOCABULARY: dict[str, VocabularyName] = {"amqp": "salesforce", "soap": "odoo"}


class Connector(BaseModel):
    """How the hub reaches the partner's CRM; a secret is named here, never written."""

    kind: Annotated[ConnectorKind, one_of("partner.connector_kind_unknown", "amqp", "soap")]
    address: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=500)
    username: str | None = Field(default=None, max_length=200)
    secret_ref: str | None = Field(default=None, max_length=200)
    wsdl: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _soap_needs_an_address(self) -> "Connector":
        if self.kind == "soap" and not (self.address and self.username and self.secret_ref):
            raise PydanticCustomError(
                "partner.connector_invalid",
                "a SOAP connector needs address, username and secret_ref")
        return self


class PartnerRegistration(BaseModel):
    """A partner's application, entered by the channel manager (``partner.register``)."""

    partner_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str = Field(min_length=1, max_length=200)
    connector: Connector
    vocabulary: VocabularyName | None = None
    accounts: list[Identifier] = Field(default_factory=list, max_length=10_000)
    # the partner's own account as the brand owner's customer (its store inventory)
    own_account_id: Identifier | None = None

    @field_validator("vocabulary", mode="before")
    @classmethod
    def _known_vocabulary(cls, value: Any) -> Any:
        if value is not None and value not in DEFAULT_VOCABULARY.values():
            raise PydanticCustomError("partner.vocabulary_unknown",
                                      "'{value}' is not one of salesforce, odoo", {"value": value})
        return value

    def spoken_vocabulary(self) -> VocabularyName:
        return self.vocabulary or DEFAULT_VOCABULARY[self.connector.kind]


class PartnerApproval(BaseModel):
    """The channel manager approves a partner, optionally assigning more accounts."""

    partner_id: Identifier
    accounts: list[Identifier] = Field(default_factory=list, max_length=10_000)
    approver: str | None = Field(default=None, max_length=100)
    own_account_id: Identifier | None = None


class PartnerSuspension(BaseModel):
    partner_id: Identifier
    reason: str | None = Field(default=None, max_length=500)


class PartnerResult(BaseModel):
    partner_id: str
    status: PartnerStatus


class PartnerProfile(BaseModel):
    """What the hub knows of a partner when it serves it or calls its CRM."""

    partner_id: str
    name: str
    status: PartnerStatus
    connector: Connector
    vocabulary: VocabularyName
    accounts: list[str] = Field(default_factory=list)
    vhost: str | None = None
    own_account_id: str | None = None

    def serves(self, account_id: str) -> bool:
        """Whether the partner may act on ``account_id``: assigned, or its own."""
        return account_id in self.accounts or account_id == self.own_account_id


class PartnerLead(BaseModel):
    """A partner's own request on its vhost: one lead in the partner's vocabulary."""

    lead: dict[str, Any]


class PartnerOpportunityRef(BaseModel):
    """A partner asks how the brand owner now holds an opportunity they share."""

    opportunity_id: Identifier


UserType = Literal["power", "standard"]


class PartnerUserAssignment(BaseModel):
    """``partner.user.assign``: a partner employee who may act on the partner's vhost."""

    partner_id: Identifier
    user_id: Identifier
    user_type: Annotated[UserType, one_of("partner.user_type_unknown", "power", "standard")]
    name: str | None = Field(default=None, max_length=200)


class PartnerUserRemoval(BaseModel):
    partner_id: Identifier
    user_id: Identifier


class PartnerUser(BaseModel):
    """An assigned partner employee (the ``partner.user.assign`` result)."""

    partner_id: str
    user_id: str
    user_type: UserType
    name: str | None = None


class PartnerUserRemoved(BaseModel):
    partner_id: str
    user_id: str
    removed: Literal[True] = True


class PartnerAlert(BaseModel):
    """``partner.alert``: news for the listed partners, or for every approved one."""

    alert_id: Identifier
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=10_000)
    partner_ids: list[Identifier] | None = Field(default=None, min_length=1, max_length=10_000)
    valid_until: AwareDatetime | None = None


class AlertResult(BaseModel):
    alert_id: str
    delivered_to: list[str]
