"""customer metrics

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:47:30.274434
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('customer_metrics',
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('orders_count', sa.Integer(), nullable=False),
    sa.Column('lifetime_spend', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('aov', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('first_order_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_order_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recency_days', sa.Integer(), nullable=True),
    sa.Column('tenure_days', sa.Integer(), nullable=True),
    sa.Column('r_score', sa.SmallInteger(), nullable=True),
    sa.Column('f_score', sa.SmallInteger(), nullable=True),
    sa.Column('m_score', sa.SmallInteger(), nullable=True),
    sa.Column('rfm_label', sa.String(length=24), nullable=False),
    sa.Column('btyd_frequency', sa.Integer(), nullable=False),
    sa.Column('btyd_recency', sa.Float(), nullable=False),
    sa.Column('btyd_T', sa.Float(), nullable=False),
    sa.Column('btyd_monetary', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('clv_12m', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('refreshed_at', assistant.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_metrics_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_metrics'))
    )
    with op.batch_alter_table('customer_metrics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_metrics_clv_12m'), ['clv_12m'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_metrics_last_order_at'), ['last_order_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_metrics_rfm_label'), ['rfm_label'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('customer_metrics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_metrics_rfm_label'))
        batch_op.drop_index(batch_op.f('ix_customer_metrics_last_order_at'))
        batch_op.drop_index(batch_op.f('ix_customer_metrics_clv_12m'))

    op.drop_table('customer_metrics')

