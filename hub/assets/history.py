"""An installed base through time: each asset version recorded, and the base at any instant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hub.assets.model import AssetRecord, Origin


@dataclass(frozen=True, slots=True)
class AssetVersion:
    """An asset as it stood from ``recorded_at`` on; ``sequence`` orders versions of one instant."""

    recorded_at: datetime
    sequence: int
    record: AssetRecord


def base_as_of(versions: Iterable[AssetVersion], instant: datetime) -> dict[str, AssetRecord]:
    """Every asset as its latest version recorded at or before ``instant`` had it."""
    latest: dict[str, AssetVersion] = {}
    for version in versions:
        if version.recorded_at > instant:
            continue
        known = latest.get(version.record.asset_id)
        if known is None or (version.recorded_at, version.sequence) > (known.recorded_at,
                                                                       known.sequence):
            latest[version.record.asset_id] = version
    return {asset_id: version.record for asset_id, version in latest.items()}


def record_document(record: AssetRecord) -> dict[str, Any]:
    """The record as JSON, the way a version keeps it."""
    origin = record.from_order
    return {
        "asset_id": record.asset_id, "account_id": record.account_id,
        "parent_asset_id": record.parent_asset_id, "product_code": record.product_code,
        "product_name": record.product_name, "status": record.status,
        "quantity": record.quantity, "attributes": dict(record.attributes),
        "from_order": origin._asdict() if origin else None,
        "start_date": _day(record.start_date), "end_date": _day(record.end_date),
        "billing_account_id": record.billing_account_id,
        "service_account_id": record.service_account_id,
    }


def record_from_document(document: dict[str, Any]) -> AssetRecord:
    origin = document.get("from_order")
    return AssetRecord(
        asset_id=document["asset_id"], account_id=document["account_id"],
        parent_asset_id=document.get("parent_asset_id"),
        product_code=document["product_code"], product_name=document["product_name"],
        status=document["status"], quantity=document["quantity"],
        attributes=dict(document.get("attributes") or {}),
        from_order=Origin(**origin) if origin else None,
        start_date=_date(document.get("start_date")), end_date=_date(document.get("end_date")),
        billing_account_id=document.get("billing_account_id"),
        service_account_id=document.get("service_account_id"),
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
