"""Loading and saving partners, their accounts, and the opportunities shared with them."""

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from hub.canonical.partners import Connector, PartnerProfile, PartnerRegistration, PartnerUser
from hub.store.partner_tables import (
    OpportunityLinkRow,
    PartnerAccountRow,
    PartnerRow,
    PartnerUserRow,
)


class Partners:
    """The partner registry."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, partner_id: str, *, lock: bool = False) -> PartnerRow | None:
        query = select(PartnerRow).where(PartnerRow.partner_id == partner_id)
        if lock:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def profile(self, partner_id: str) -> PartnerProfile | None:
        row = await self.get(partner_id)
        return None if row is None else _profile(row, await self.accounts(partner_id))

    async def profiles(self) -> list[PartnerProfile]:
        rows = (await self._session.execute(select(PartnerRow).order_by(PartnerRow.partner_id)))
        return [_profile(row, await self.accounts(row.partner_id)) for row in rows.scalars()]

    def add(self, registration: PartnerRegistration) -> PartnerRow:
        now = datetime.now(UTC)
        row = PartnerRow(
            partner_id=registration.partner_id, name=registration.name, status="applied",
            connector_kind=registration.connector.kind,
            connector=registration.connector.model_dump(exclude={"kind"}, exclude_none=True),
            vocabulary=registration.spoken_vocabulary(), vhost=None,
            own_account_id=registration.own_account_id, created_at=now, updated_at=now,
        )
        self._session.add(row)
        return row

    async def accounts(self, partner_id: str) -> list[str]:
        query = (select(PartnerAccountRow.account_id)
                 .where(PartnerAccountRow.partner_id == partner_id)
                 .order_by(PartnerAccountRow.account_id))
        return list((await self._session.execute(query)).scalars())

    async def assign(self, partner_id: str, accounts: list[str]) -> None:
        """Assign accounts to the partner; ones it already has are left as they are."""
        known = set(await self.accounts(partner_id))
        self._session.add_all(PartnerAccountRow(partner_id=partner_id, account_id=account)
                              for account in dict.fromkeys(accounts) if account not in known)

    async def has_account(self, partner_id: str, account_id: str) -> bool:
        row = await self._session.get(PartnerAccountRow, (partner_id, account_id))
        return row is not None

    async def user(self, partner_id: str, user_id: str) -> PartnerUserRow | None:
        return await self._session.get(PartnerUserRow, (partner_id, user_id))

    async def users(self, partner_id: str) -> list[PartnerUserRow]:
        query = (select(PartnerUserRow).where(PartnerUserRow.partner_id == partner_id)
                 .order_by(PartnerUserRow.user_id))
        return list((await self._session.execute(query)).scalars())

    async def assign_user(self, user: PartnerUser) -> None:
        """Assign the employee, or change the type and name of one already assigned."""
        row = await self._session.get(PartnerUserRow, (user.partner_id, user.user_id),
                                      with_for_update=True)
        if row is None:
            self._session.add(PartnerUserRow(partner_id=user.partner_id, user_id=user.user_id,
                                             user_type=user.user_type, name=user.name,
                                             assigned_at=datetime.now(UTC)))
        else:
            row.user_type, row.name = user.user_type, user.name

    async def remove_user(self, row: PartnerUserRow) -> None:
        await self._session.delete(row)

    async def serving(self, account_id: str) -> list[str]:
        """The ids of the approved partners that may act on ``account_id``: assigned, or own."""
        assigned = select(PartnerAccountRow.partner_id).where(
            PartnerAccountRow.account_id == account_id)
        query = select(PartnerRow.partner_id).where(
            PartnerRow.status == "approved",
            (PartnerRow.own_account_id == account_id) | PartnerRow.partner_id.in_(assigned))
        return list((await self._session.execute(query.order_by(PartnerRow.partner_id))).scalars())

    async def serving_each(self, accounts: Collection[str]) -> dict[str, list[str]]:
        """:meth:`serving` for many accounts in one statement; an account no one serves maps to []."""
        wanted = list(dict.fromkeys(accounts))
        found: dict[str, set[str]] = {account: set() for account in wanted}
        if not wanted:
            return {}
        own = select(PartnerRow.own_account_id, PartnerRow.partner_id).where(
            PartnerRow.status == "approved", PartnerRow.own_account_id.in_(wanted))
        assigned = (select(PartnerAccountRow.account_id, PartnerRow.partner_id)
                    .join(PartnerRow, PartnerRow.partner_id == PartnerAccountRow.partner_id)
                    .where(PartnerRow.status == "approved",
                           PartnerAccountRow.account_id.in_(wanted)))
        for account, partner_id in (await self._session.execute(union_all(own, assigned))).all():
            found[account].add(partner_id)
        return {account: sorted(partners) for account, partners in found.items()}


class OpportunityLinks:
    """The cross-reference of opportunities shared between the brand owner and a partner."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, opportunity_id: str, partner_id: str, *, lock: bool = False
                  ) -> OpportunityLinkRow | None:
        query = select(OpportunityLinkRow).where(OpportunityLinkRow.opportunity_id == opportunity_id,
                                                 OpportunityLinkRow.partner_id == partner_id)
        if lock:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def by_external_id(self, partner_id: str, external_id: str, *, lock: bool = False
                             ) -> OpportunityLinkRow | None:
        query = select(OpportunityLinkRow).where(OpportunityLinkRow.partner_id == partner_id,
                                                 OpportunityLinkRow.external_id == external_id)
        if lock:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    def add(self, opportunity_id: str, partner_id: str, *, origin: str, transfer_status: str,
            document: dict[str, Any], external_id: str | None = None,
            call_key: str | None = None) -> OpportunityLinkRow:
        row = OpportunityLinkRow(
            opportunity_id=opportunity_id, partner_id=partner_id, origin=origin,
            external_id=external_id, transfer_status=transfer_status, reason=None,
            call_key=call_key, document=document, updated_at=datetime.now(UTC),
        )
        self._session.add(row)
        return row


def _profile(row: PartnerRow, accounts: list[str]) -> PartnerProfile:
    return PartnerProfile(
        partner_id=row.partner_id, name=row.name, status=row.status,
        connector=Connector(kind=row.connector_kind, **row.connector),
        vocabulary=row.vocabulary, accounts=accounts, vhost=row.vhost,
        own_account_id=row.own_account_id,
    )
