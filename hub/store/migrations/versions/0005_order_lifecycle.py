"""order lifecycle: held revisions, fulfilment per system, status history, asset dates,
accounts and history

Revision ID: 0005_order_lifecycle
Revises: 0003

v1 rows are kept and completed with what the hub knows of them: an asset's accounts are its
account, its start (and, when terminated, end) date the day it was last changed, and its
history and its order's status history start with the state they are in now.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_order_lifecycle'
down_revision = '0003'
branch_labels = None
depends_on = None

Id = sa.String(length=64)
AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('order_heads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_revision', sa.Integer(), nullable=True))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('systems', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('billing_account_id', Id, nullable=True))
        batch_op.add_column(sa.Column('service_account_id', Id, nullable=True))
    history = op.create_table('order_status_history',
    sa.Column('id', AutoId, autoincrement=True, nullable=False),
    sa.Column('order_id', Id, nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('order_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_status_history_order_id'), ['order_id'],
                              unique=False)
    versions = op.create_table('asset_versions',
    sa.Column('id', AutoId, autoincrement=True, nullable=False),
    sa.Column('asset_id', Id, nullable=False),
    sa.Column('account_id', Id, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('asset_versions', schema=None) as batch_op:
        batch_op.create_index('ix_asset_versions_account_time',
                              ['account_id', 'recorded_at', 'id'], unique=False)
    _complete_v1_rows(history, versions)


def _complete_v1_rows(history: sa.Table, versions: sa.Table) -> None:
    bind = op.get_bind()
    heads = sa.table('order_heads', sa.column('order_id'), sa.column('current_revision'),
                     sa.column('status'), sa.column('updated_at', sa.DateTime(timezone=True)))
    rows = bind.execute(sa.select(heads)).all()
    if rows:
        bind.execute(sa.insert(history), [
            {"order_id": r.order_id, "revision": r.current_revision, "status": r.status,
             "at": r.updated_at} for r in rows])
    assets = sa.table(
        'assets', *(sa.column(name) for name in (
            'asset_id', 'account_id', 'parent_asset_id', 'product_code', 'product_name',
            'status', 'quantity', 'from_order_id', 'from_revision', 'from_line_id',
            'billing_account_id', 'service_account_id')),
        sa.column('attributes', sa.JSON()), sa.column('updated_at', sa.DateTime(timezone=True)),
        sa.column('start_date', sa.Date()), sa.column('end_date', sa.Date()))
    for asset in bind.execute(sa.select(assets)).all():
        day = asset.updated_at.date()
        end = day if asset.status == "terminated" else None
        bind.execute(sa.update(assets).where(assets.c.asset_id == asset.asset_id).values(
            start_date=day, end_date=end, billing_account_id=asset.account_id,
            service_account_id=asset.account_id))
        origin = None if asset.from_order_id is None else {
            "order_id": asset.from_order_id, "revision": asset.from_revision or 0,
            "line_id": asset.from_line_id or ""}
        bind.execute(sa.insert(versions), [{
            "asset_id": asset.asset_id, "account_id": asset.account_id,
            "recorded_at": asset.updated_at, "document": {
                "asset_id": asset.asset_id, "account_id": asset.account_id,
                "parent_asset_id": asset.parent_asset_id, "product_code": asset.product_code,
                "product_name": asset.product_name, "status": asset.status,
                "quantity": asset.quantity, "attributes": asset.attributes,
                "from_order": origin, "start_date": day.isoformat(),
                "end_date": end.isoformat() if end else None,
                "billing_account_id": asset.account_id,
                "service_account_id": asset.account_id}}])


def downgrade() -> None:
    with op.batch_alter_table('asset_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_asset_versions_account_time')
    op.drop_table('asset_versions')
    with op.batch_alter_table('order_status_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_status_history_order_id'))
    op.drop_table('order_status_history')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_column('service_account_id')
        batch_op.drop_column('billing_account_id')
        batch_op.drop_column('end_date')
        batch_op.drop_column('start_date')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('systems')
    with op.batch_alter_table('order_heads', schema=None) as batch_op:
        batch_op.drop_column('pending_revision')
