"""back-office checks, shipments, activity status, customer mails

Revision ID: 0007_backoffice
Revises: 0008_soap_credentials
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_backoffice'
down_revision = '0008_soap_credentials'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'credit_checks',
        sa.Column('check_id', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.String(length=64), nullable=False),
        sa.Column('order_id', sa.String(length=64), nullable=True),
        sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('check_id'),
    )
    with op.batch_alter_table('credit_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_checks_account_id'), ['account_id'],
                              unique=False)
    op.create_table(
        'payment_authorizations',
        sa.Column('authorization_id', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.String(length=64), nullable=False),
        sa.Column('order_id', sa.String(length=64), nullable=True),
        sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('card_token', sa.String(length=128), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_by_order_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('authorization_id'),
    )
    with op.batch_alter_table('payment_authorizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_authorizations_account_id'),
                              ['account_id'], unique=False)
    op.create_table(
        'shipments',
        sa.Column('shipment_id', sa.String(length=64), nullable=False),
        sa.Column('order_id', sa.String(length=64), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('carrier', sa.String(length=100), nullable=False),
        sa.Column('tracking_id', sa.String(length=100), nullable=False),
        sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('shipment_id'),
    )
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipments_order_id'), ['order_id'], unique=False)
    op.create_table(
        'order_activities',
        sa.Column('order_id', sa.String(length=64), nullable=False),
        sa.Column('activity_id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('order_id', 'activity_id'),
    )
    op.create_table(
        'customer_mails',
        sa.Column('order_id', sa.String(length=64), nullable=False),
        sa.Column('topic', sa.String(length=160), nullable=False),
        sa.Column('message_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('order_id', 'topic'),
    )


def downgrade() -> None:
    op.drop_table('customer_mails')
    op.drop_table('order_activities')
    with op.batch_alter_table('shipments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipments_order_id'))
    op.drop_table('shipments')
    with op.batch_alter_table('payment_authorizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_authorizations_account_id'))
    op.drop_table('payment_authorizations')
    with op.batch_alter_table('credit_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_checks_account_id'))
    op.drop_table('credit_checks')
