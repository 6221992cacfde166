"""Loading an account's installed base and saving what an order changed in it."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.assets import AssetRecord, InstalledBase, Origin
from hub.store.tables import AssetRow


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

    def save(self, base: InstalledBase, asset_ids: set[str]) -> None:
        """Write the named assets as they now stand in ``base`` (loaded ones are versioned)."""
        now = datetime.now(UTC)
        for asset_id in asset_ids:
            record = base[asset_id]
            row = self._rows.get(asset_id)
            if row is None:
                row = AssetRow(asset_id=asset_id, version=1)
                self._session.add(row)
                self._rows[asset_id] = row
            _copy(record, row, now)


def _record(row: AssetRow) -> AssetRecord:
    origin = None
    if row.from_order_id is not None:
        origin = Origin(row.from_order_id, row.from_revision or 0, row.from_line_id or "")
    return AssetRecord(
        asset_id=row.asset_id, account_id=row.account_id, parent_asset_id=row.parent_asset_id,
        product_code=row.product_code, product_name=row.product_name, status=row.status,
        quantity=row.quantity, attributes=dict(row.attributes), from_order=origin,
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
    row.updated_at = now
