"""Tables of the partner channel: the registry, assigned accounts, and opportunity cross-references."""

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.tables import Base, Id


class PartnerRow(Base):
    """A reseller: who it is, whether it is served, and how its CRM is reached."""

    __tablename__ = "partners"
    partner_id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    connector_kind: Mapped[str] = mapped_column(String(16))
    # address, username, secret reference (never the secret), WSDL
    connector: Mapped[dict[str, Any]]
    vocabulary: Mapped[str] = mapped_column(String(32))
    # the RabbitMQ vhost once `hub partner provision` created it; the hub consumes it then
    vhost: Mapped[str | None] = mapped_column(String(128))
    # the partner's own account as the brand owner's customer (its store inventory)
    own_account_id: Mapped[str | None] = mapped_column(Id)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PartnerAccountRow(Base):
    """A customer account the partner may act on."""

    __tablename__ = "partner_accounts"
    partner_id: Mapped[str] = mapped_column(Id, primary_key=True)
    account_id: Mapped[str] = mapped_column(Id, primary_key=True, index=True)


class OpportunityLinkRow(Base):
    """Cross-reference of one opportunity shared with one partner, and where its transfer stands.

    One row per (opportunity, partner): the key guards against a second lead at the partner.
    """

    __tablename__ = "opportunity_links"
    opportunity_id: Mapped[str] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[str] = mapped_column(Id, primary_key=True)
    # who first held it: "brand_owner" (we transferred it) or "partner" (they transferred theirs)
    origin: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(Id)
    transfer_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    # the partner call's idempotency key, kept until the create succeeds
    call_key: Mapped[str | None] = mapped_column(String(200))
    # the opportunity as last sent or received (canonical JSON)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    # one of the partner's leads is one of our opportunities, never two
    __table_args__ = (UniqueConstraint("partner_id", "external_id", name="uq_link_external"),)


class SoapCredentialRow(Base):
    """The WS-Security user a partner calls the hub's SOAP endpoint as, its password sealed."""

    __tablename__ = "soap_credentials"
    partner_id: Mapped[str] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    # Fernet token under HUB_SECRET_KEY: digest checks need the password, never stored plain
    sealed_password: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("username", name="uq_soap_username"),)


class SoapNonceRow(Base):
    """A UsernameToken nonce already used, kept while a token carrying it would still be fresh.

    Every worker inserts here, so a nonce replayed to another worker is refused too.
    """

    __tablename__ = "soap_nonces"
    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(100), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
class PartnerUserRow(Base):
    """An employee of a partner who may act on its vhost, and what kind of user they are."""

    __tablename__ = "partner_users"
    partner_id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(Id, primary_key=True)
    # "power" (revisions, asset-based changes) or "standard" (new orders of add lines only)
    user_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200))
    assigned_at: Mapped[datetime]
