"""partner commerce: the product catalog, partner users, a partner's own account

Revision ID: 0006_partner_commerce
Revises: 0005_order_lifecycle
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_partner_commerce'
down_revision = '0005_order_lifecycle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('products',
    sa.Column('product_code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('product_code')
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_status'), ['status'], unique=False)
    op.create_table('partner_users',
    sa.Column('partner_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('user_type', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('partner_id', 'user_id')
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own_account_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('own_account_id')
    op.drop_table('partner_users')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_status'))
    op.drop_table('products')
