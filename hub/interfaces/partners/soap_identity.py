"""Who calls the hub's SOAP endpoint: credentials the brand owner registers for a partner, and
the WS-Security check every call passes before anything else happens."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from hub.errors import Rejected, error
from hub.sealed_secrets import SealedSecrets
from hub.soap.username_token import UsernameToken, check_fresh
from hub.store.unit_of_work import UnitOfWork

MIN_PASSWORD_CHARS = 12
# the endpoint's WSDL carries Odoo-like leads
SOAP_VOCABULARY = "odoo"


async def set_soap_credentials(uow: UnitOfWork, partner_id: str, username: str, password: str,
                               secrets: SealedSecrets) -> None:
    """Let the partner call the SOAP endpoint as ``username``; replaces earlier credentials."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise Rejected(error("partner.soap_password_weak",
                             f"a SOAP password needs at least {MIN_PASSWORD_CHARS} characters",
                             "password"))
    if not username.strip() or len(username) > 200:
        raise Rejected(error("request.field_invalid", "the SOAP username must be 1 to 200 "
                             "characters", "username"))
    async with uow:
        profile = await uow.partners.profile(partner_id)
        if profile is None:
            raise Rejected(error("partner.unknown", f"no partner {partner_id}", "partner_id"))
        if profile.vocabulary != SOAP_VOCABULARY:
            raise Rejected(error("partner.vocabulary_not_served",
                                 f"the SOAP endpoint speaks {SOAP_VOCABULARY}; partner "
                                 f"{partner_id} is registered with {profile.vocabulary}",
                                 "partner_id"))
        holder = await uow.soap_credentials.by_username(username)
        if holder is not None and holder.partner_id != partner_id:
            raise Rejected(error("partner.soap_username_taken",
                                 f"SOAP user {username} belongs to another partner", "username"))
        await uow.soap_credentials.set(partner_id, username, secrets.seal(password))
        await uow.commit()


async def authenticate(uow: UnitOfWork, token: UsernameToken, secrets: SealedSecrets,
                       window: timedelta, now: datetime | None = None) -> str:
    """The partner whose user made ``token``, once; otherwise refused with a ``soap.*`` code."""
    check_fresh(token, now or datetime.now(UTC), window)
    async with uow:
        credential = await uow.soap_credentials.by_username(token.username)
        password = secrets.open(credential.sealed_password) if credential else None
        # an unknown user and a wrong password get the same answer: no user is revealed
        if credential is None or password is None or not token.proves(password):
            raise Rejected(error("soap.unauthenticated", "the security token could not be "
                                 "authenticated", "Security"))
        uow.soap_credentials.use_nonce(token.username, token.nonce, token.expires_at(window))
        try:
            await uow.commit()
        except IntegrityError:
            raise Rejected(error("soap.nonce_replayed", "this nonce was used already: every "
                                 "call needs a new one", "Security.Nonce")) from None
        return credential.partner_id


async def forget_used_nonces(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Drop nonces whose tokens are no longer fresh, so the table stays small."""
    async with uow:
        dropped = await uow.soap_credentials.forget_nonces(now or datetime.now(UTC))
        await uow.commit()
    return dropped
