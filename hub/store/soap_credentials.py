"""Partners' SOAP credentials and the WS-Security nonces already used."""

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.partner_tables import SoapCredentialRow, SoapNonceRow


class SoapCredentials:
    """Who may call the hub's SOAP endpoint, as which partner."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_username(self, username: str) -> SoapCredentialRow | None:
        query = select(SoapCredentialRow).where(SoapCredentialRow.username == username)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def set(self, partner_id: str, username: str, sealed_password: str) -> None:
        """Give the partner this user and password, replacing any it had."""
        row = await self._session.get(SoapCredentialRow, partner_id, with_for_update=True)
        if row is None:
            row = SoapCredentialRow(partner_id=partner_id)
            self._session.add(row)
        row.username, row.sealed_password = username, sealed_password
        row.updated_at = datetime.now(UTC)

    def use_nonce(self, username: str, nonce: str, expires_at: datetime) -> None:
        """Record the nonce; committing fails on the key when it was used before."""
        self._session.add(SoapNonceRow(username=username, nonce=nonce, expires_at=expires_at))

    async def forget_nonces(self, expired_before: datetime) -> int:
        """Drop nonces no fresh token can carry any more."""
        result = await self._session.execute(
            delete(SoapNonceRow).where(SoapNonceRow.expires_at < expired_before))
        return result.rowcount or 0
