"""Turning the completed lines of a fulfilled order into the account's assets."""

from datetime import UTC, datetime

from hub.assets import AssetChange
from hub.assets.replay import replay_order
from hub.canonical.orders import Order, OrderItem
from hub.mappers.billing_xml import AssetChangeDoc, asset_changes_to_billing_xml
from hub.store.tables import OrderLineRow
from hub.store.unit_of_work import UnitOfWork


async def sync_assets(uow: UnitOfWork, order: Order, lines: list[OrderLineRow]) -> None:
    """Apply completed trackable lines, tell billing what changed, announce ``asset.synced``."""
    by_id = {line.line_id: line for line in lines}
    completed = {line.line_id for line in lines if line.status == "completed"}
    items = [_with_reported_asset(_with_order_accounts(item, order), by_id[item.line_id])
             for item in order.items]
    base = await uow.assets.installed_base(order.account_id, lock=True)
    replay = replay_order(base, order.account_id, order.order_id, order.revision, items,
                          completed, on=datetime.now(UTC).date())
    await uow.assets.save(replay.base, {change.asset_id for change in replay.changes})
    for change in replay.changes:
        by_id[change.line_id].asset_id = change.asset_id
    if replay.changes:
        documents = [_billing_change(change) for change in replay.changes]
        uow.outbox.send("billing.asset", asset_changes_to_billing_xml(
            order.account_id, order.order_id, order.revision, documents),
            "application/xml", "billing.asset")
    uow.outbox.event("asset.synced", {
        "account_id": order.account_id, "order_id": order.order_id,
        "revision": order.revision,
        "changes": [{"kind": c.kind, "asset_id": c.asset_id, "line_id": c.line_id}
                    for c in replay.changes],
        "problems": [p.to_error().model_dump() for p in replay.problems]})


def _with_order_accounts(item: OrderItem, order: Order) -> OrderItem:
    """A line takes the accounts the order names; where neither names one, an asset keeps
    its own (a new asset gets the order's account)."""
    return item.model_copy(update={
        "billing_account_id": item.billing_account_id or order.billing_account_id,
        "service_account_id": item.service_account_id or order.service_account_id})


def _with_reported_asset(item: OrderItem, line: OrderLineRow) -> OrderItem:
    """An add line takes the asset id provisioning reported, if it named one."""
    if item.action == "add" and item.asset_id is None and line.asset_id:
        return item.model_copy(update={"asset_id": line.asset_id})
    return item


def _billing_change(change: AssetChange) -> AssetChangeDoc:
    new_values, old_values = change.changed_attributes()
    return AssetChangeDoc(
        kind=change.kind, asset_id=change.asset_id,
        parent_asset_id=change.new.parent_asset_id, product_code=change.new.product_code,
        quantity=change.new.quantity,
        attributes=dict(change.new.attributes) if change.kind == "created" else new_values,
        old_attributes=None if change.kind == "created" else old_values,
        start_date=change.new.start_date, end_date=change.new.end_date,
        billing_account_id=change.new.billing_account_id,
        service_account_id=change.new.service_account_id,
    )
