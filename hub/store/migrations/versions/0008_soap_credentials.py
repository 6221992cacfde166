"""partners' SOAP credentials and used WS-Security nonces

Revision ID: 0008_soap_credentials
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_soap_credentials'
down_revision = '0006_partner_commerce'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('soap_credentials',
    sa.Column('partner_id', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('sealed_password', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('partner_id'),
    sa.UniqueConstraint('username', name='uq_soap_username')
    )
    op.create_table('soap_nonces',
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('nonce', sa.String(length=100), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', 'nonce')
    )
    with op.batch_alter_table('soap_nonces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_soap_nonces_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('soap_nonces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_soap_nonces_expires_at'))
    op.drop_table('soap_nonces')
    op.drop_table('soap_credentials')
