"""Loading an account's installed base and saving what an order changed in it, with history."""

from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.assets import AssetRecord, AssetVersion, InstalledBase, Origin, base_as_of
from hub.assets.history import record_document, record_from_document
from hub.store.tables import AssetRow, AssetVersionRow


class Assets:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows: dict[str, AssetRow] = {}

    async def installed_base(self, account_id: str, *, lock: bool = False
                             ) -> dict[str, AssetRecord]:
        """Every asset of the account, terminated ones included (ids are never reused).

        ``lock`` holds the rows until commit, so two workers changing one account's assets
        take turns (PostgreSQL; SQLite has one writer anyway).
        """
        query = select(AssetRow).where(AssetRow.account_id == account_id)
        if lock:
            query = query.with_for_update()
        rows = (await self._session.execute(query)).scalars().all()
        self._rows |= {row.asset_id: row for row in rows}
        return {row.asset_id: _record(row) for row in rows}

    async def origin(self, asset_id: str) -> tuple[str, int, str] | None:
        """The order, revision and line the asset last came from, if it is known."""
        row = await self._session.get(AssetRow, asset_id)
        if row is None or None in (row.from_order_id, row.from_revision, row.from_line_id):
            return None
        return row.from_order_id, row.from_revision, row.from_line_id  # type: ignore[return-value]

    async def installed_base_as_of(self, account_id: str, instant: datetime
                                   ) -> dict[str, AssetRecord]:
        """The account's assets as the hub had recorded them at ``instant``."""
        query = (select(AssetVersionRow)
                 .where(AssetVersionRow.account_id == account_id,
                        AssetVersionRow.recorded_at <= instant)
                 .order_by(AssetVersionRow.recorded_at, AssetVersionRow.id))
        rows = (await self._session.execute(query)).scalars().all()
        versions = (AssetVersion(row.recorded_at, row.id,
                                 record_from_document(row.document)) for row in rows)
        return base_as_of(versions, instant)

    async def save(self, base: InstalledBase, asset_ids: set[str]) -> None:
        """Write the named assets as they now stand in ``base`` (loaded ones are versioned),
        and keep each as a version of its history."""
        now = datetime.now(UTC)
        for asset_id in sorted(asset_ids):
            record = base[asset_id]
            row = self._rows.get(asset_id)
            if row is None:
                row = AssetRow(asset_id=asset_id, version=1)
                self._session.add(row)
                self._rows[asset_id] = row
            _copy(record, row, now)
        if asset_ids:
            await self._session.execute(insert(AssetVersionRow), [
                {"asset_id": asset_id, "account_id": base[asset_id].account_id,
                 "recorded_at": now, "document": record_document(base[asset_id])}
                for asset_id in sorted(asset_ids)])


def _record(row: AssetRow) -> AssetRecord:
    origin = None
    if row.from_order_id is not None:
        origin = Origin(row.from_order_id, row.from_revision or 0, row.from_line_id or "")
    return AssetRecord(
        asset_id=row.asset_id, account_id=row.account_id, parent_asset_id=row.parent_asset_id,
        product_code=row.product_code, product_name=row.product_name, status=row.status,
        quantity=row.quantity, attributes=dict(row.attributes), from_order=origin,
        start_date=row.start_date, end_date=row.end_date,
        billing_account_id=row.billing_account_id, service_account_id=row.service_account_id,
    )


def _copy(record: AssetRecord, row: AssetRow, now: datetime) -> None:
    row.account_id = record.account_id
    row.parent_asset_id = record.parent_asset_id
    row.product_code = record.product_code
    row.product_name = record.product_name
    row.status = record.status
    row.quantity = record.quantity
    row.attributes = dict(record.attributes)
    origin = record.from_order
    row.from_order_id = origin.order_id if origin else None
    row.from_revision = origin.revision if origin else None
    row.from_line_id = origin.line_id if origin else None
    row.start_date = record.start_date
    row.end_date = record.end_date
    row.billing_account_id = record.billing_account_id
    row.service_account_id = record.service_account_id
    row.updated_at = now
