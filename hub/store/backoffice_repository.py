"""Loading and saving back-office checks, shipments, activity status and customer mails."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.backoffice_tables import (
    ActivityStatusRow,
    CreditCheckRow,
    CustomerMailRow,
    PaymentAuthorizationRow,
    ShipmentRow,
)
from hub.store.deferred import Deferred, ReadAhead


class BackOfficeRecords:
    """Every credit check and card authorisation the hub issued."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add_credit_check(self, row: CreditCheckRow) -> None:
        self._session.add(row)

    def add_authorization(self, row: PaymentAuthorizationRow) -> None:
        self._session.add(row)

    async def credit_check(self, check_id: str) -> CreditCheckRow | None:
        return await self._session.get(CreditCheckRow, check_id)

    async def authorization(self, authorization_id: str, *, lock: bool = False
                            ) -> PaymentAuthorizationRow | None:
        query = select(PaymentAuthorizationRow).where(
            PaymentAuthorizationRow.authorization_id == authorization_id)
        if lock:
            query = query.with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()


class AfterOrder:
    """Shipments, activity status and the customer mails of an order."""

    def __init__(self, session: AsyncSession, deferred: Deferred | None = None,
                 ahead: ReadAhead | None = None) -> None:
        self._session = session
        self._deferred = deferred or Deferred.on(session)
        self._ahead = ahead

    async def shipment(self, shipment_id: str) -> ShipmentRow | None:
        return await self._session.get(ShipmentRow, shipment_id)

    def add_shipment(self, row: ShipmentRow) -> None:
        self._session.add(row)

    async def shipments(self, order_id: str) -> list[ShipmentRow]:
        query = (select(ShipmentRow).where(ShipmentRow.order_id == order_id)
                 .order_by(ShipmentRow.shipped_at, ShipmentRow.shipment_id))
        return list((await self._session.execute(query)).scalars())

    async def activities(self, order_id: str) -> dict[str, ActivityStatusRow]:
        query = select(ActivityStatusRow).where(ActivityStatusRow.order_id == order_id)
        return {row.activity_id: row for row in (await self._session.execute(query)).scalars()}

    async def activity(self, order_id: str, activity_id: str) -> ActivityStatusRow | None:
        return await self._session.get(ActivityStatusRow, (order_id, activity_id))

    def add_activity(self, row: ActivityStatusRow) -> None:
        self._session.add(row)

    async def mailed(self, order_id: str, topic: str) -> bool:
        if self._ahead is not None and (
                known := self._ahead.mailed(order_id, topic, self._deferred)) is not None:
            return known
        if self._deferred.mail_waits(order_id, topic):
            return True
        return await self._session.get(CustomerMailRow, (order_id, topic)) is not None

    async def remember_mail(self, order_id: str, topic: str, message_id: str) -> None:
        # inserted at commit: two workers mailing the same thing collide on the key, one wins
        self._deferred.add(CustomerMailRow, {
            "order_id": order_id, "topic": topic, "message_id": message_id,
            "created_at": datetime.now(UTC)})
