"""triggers: occasions queued once, daily runs, campaigns made by a trigger

Revision ID: 0015_triggers
Revises: 0012_customer_forgotten
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import assistant.models.base


revision: str = '0015_triggers'
down_revision: str | None = '0014_shopify'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'trigger_occasions',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('trigger', sa.String(length=64), nullable=False),
        sa.Column('occasion', sa.String(length=200), nullable=False),
        sa.Column('step', sa.Integer(), server_default='1', nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('campaign_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('qualifier', _json(), server_default='{}', nullable=False),
        sa.Column('queued_at', assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_trigger_occasions_campaign_id_campaigns'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_trigger_occasions_customer_id_customers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trigger_occasions')),
        sa.UniqueConstraint('customer_id', 'trigger', 'occasion', 'step', name=op.f('uq_trigger_occasions_customer_id_trigger_occasion_step')),
    )
    with op.batch_alter_table('trigger_occasions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trigger_occasions_trigger_step_queued_at'), ['trigger', 'step', 'queued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trigger_occasions_campaign_id_customer_id'), ['campaign_id', 'customer_id'], unique=False)
    op.create_table(
        'trigger_runs',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('run_on', sa.Date(), nullable=False),
        sa.Column('started_at', assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('summary', _json(), server_default='{}', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trigger_runs')),
        sa.UniqueConstraint('run_on', name=op.f('uq_trigger_runs_run_on')),
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trigger', sa.String(length=64), nullable=True))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_ordered_at'), ['ordered_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_ordered_at'))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('trigger')
    op.drop_table('trigger_runs')
    with op.batch_alter_table('trigger_occasions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trigger_occasions_campaign_id_customer_id'))
        batch_op.drop_index(batch_op.f('ix_trigger_occasions_trigger_step_queued_at'))
    op.drop_table('trigger_occasions')
