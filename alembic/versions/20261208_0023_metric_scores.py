"""metric scores: keep only as-of-independent values; customer_metrics becomes a view

The as-of-dependent columns (recency, tenure, BTYD T) are derived by the view from the
refresh's day, so a day passing rewrites no row. The old table's rows are dropped and the
kept state cleared: the next `assistant metrics refresh` is a full one.

Revision ID: 0023_metric_scores
Revises: 0021_inbound_email
Create Date: 2026-12-08 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0023_metric_scores'
down_revision: str | None = '0021_inbound_email'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_TIME = assistant.models.base.UTCDateTime(timezone=True)

# The as-of-dependent columns, per dialect: day differences against metrics_state's day.
_DAYS = {
    'postgresql': '({later} - {earlier})',
    'sqlite': 'CAST(julianday({later}) - julianday({earlier}) AS INTEGER)',
}
_VIEW = """
CREATE VIEW customer_metrics AS
SELECT s.customer_id, st.stats_as_of AS as_of, s.orders_count, s.lifetime_spend, s.aov,
       s.first_order_at, s.last_order_at,
       {recency} AS recency_days,
       CASE WHEN {tenure} < 0 THEN 0 ELSE {tenure} END AS tenure_days,
       s.r_score, s.f_score, s.m_score, s.rfm_label,
       s.btyd_frequency, s.btyd_recency,
       CAST(COALESCE({age}, 0) AS {real}) AS "btyd_T",
       s.btyd_monetary, v.clv_12m, st.refreshed_at
FROM customer_scores s
CROSS JOIN metrics_state st
LEFT JOIN customer_clv v ON v.customer_id = s.customer_id
"""


def _view_sql(dialect: str) -> str:
    days = _DAYS['postgresql' if dialect == 'postgresql' else 'sqlite']
    return _VIEW.format(
        recency=days.format(later='st.stats_as_of', earlier='s.last_day'),
        tenure=days.format(later='st.stats_as_of', earlier='s.since_day'),
        age=days.format(later='st.stats_as_of', earlier='s.first_day'),
        real='DOUBLE PRECISION' if dialect == 'postgresql' else 'REAL',
    )


def upgrade() -> None:
    op.drop_table('customer_metrics')
    op.execute('DELETE FROM metrics_state')
    op.execute('DELETE FROM metrics_pending_customers')
    op.execute('DELETE FROM customer_order_stats')
    op.create_table('customer_scores',
    sa.Column('customer_id', _ID, autoincrement=False, nullable=False),
    sa.Column('orders_count', sa.Integer(), nullable=False),
    sa.Column('lifetime_spend', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('aov', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('first_order_at', _TIME, nullable=True),
    sa.Column('last_order_at', _TIME, nullable=True),
    sa.Column('first_day', sa.Date(), nullable=True),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.Column('since_day', sa.Date(), nullable=True),
    sa.Column('since_local', sa.Date(), nullable=True),
    sa.Column('r_score', sa.SmallInteger(), nullable=True),
    sa.Column('f_score', sa.SmallInteger(), nullable=True),
    sa.Column('m_score', sa.SmallInteger(), nullable=True),
    sa.Column('rfm_label', sa.String(length=24), nullable=False),
    sa.Column('btyd_frequency', sa.Integer(), nullable=False),
    sa.Column('btyd_recency', sa.Float(), nullable=False),
    sa.Column('btyd_monetary', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_scores'))
    )
    with op.batch_alter_table('customer_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_scores_aov'), ['aov'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_scores_last_day'), ['last_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_scores_last_order_at'), ['last_order_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_scores_rfm_label'), ['rfm_label'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_scores_since_local'), ['since_local'], unique=False)
    op.create_table('customer_clv',
    sa.Column('customer_id', _ID, autoincrement=False, nullable=False),
    sa.Column('clv_12m', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_clv'))
    )
    with op.batch_alter_table('customer_clv', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_clv_clv_12m'), ['clv_12m'], unique=False)
    op.create_table('product_repeats',
    sa.Column('customer_id', _ID, autoincrement=False, nullable=False),
    sa.Column('product_id', _ID, autoincrement=False, nullable=False),
    sa.Column('day1', sa.Date(), nullable=False),
    sa.Column('day2', sa.Date(), nullable=False),
    sa.Column('day3', sa.Date(), nullable=True),
    sa.Column('day4', sa.Date(), nullable=True),
    sa.Column('day5', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('customer_id', 'product_id', name=op.f('pk_product_repeats'))
    )
    with op.batch_alter_table('product_repeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_repeats_day3'), ['day3'], unique=False)
    with op.batch_alter_table('customer_order_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_order_stats_last_day'), ['last_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_order_stats_lifetime_spend'), ['lifetime_spend'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_order_stats_orders_count'), ['orders_count'], unique=False)
    with op.batch_alter_table('metrics_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score_cuts', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('clv_model', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('clv_fitted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('clv_changed', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('customers', sa.Integer(), server_default='0', nullable=False))
    op.execute(_view_sql(op.get_bind().dialect.name))


def downgrade() -> None:
    op.execute('DROP VIEW customer_metrics')
    op.execute('DELETE FROM metrics_state')
    op.execute('DELETE FROM metrics_pending_customers')
    op.execute('DELETE FROM customer_order_stats')
    with op.batch_alter_table('metrics_state', schema=None) as batch_op:
        batch_op.drop_column('customers')
        batch_op.drop_column('clv_changed')
        batch_op.drop_column('clv_fitted_on')
        batch_op.drop_column('clv_model')
        batch_op.drop_column('score_cuts')
    with op.batch_alter_table('customer_order_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_order_stats_orders_count'))
        batch_op.drop_index(batch_op.f('ix_customer_order_stats_lifetime_spend'))
        batch_op.drop_index(batch_op.f('ix_customer_order_stats_last_day'))
    op.drop_table('product_repeats')
    op.drop_table('customer_clv')
    op.drop_table('customer_scores')
    op.create_table('customer_metrics',
    sa.Column('customer_id', _ID, nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('orders_count', sa.Integer(), nullable=False),
    sa.Column('lifetime_spend', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('aov', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('first_order_at', _TIME, nullable=True),
    sa.Column('last_order_at', _TIME, nullable=True),
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
    sa.Column('refreshed_at', _TIME, nullable=False),
    sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_metrics'))
    )
    with op.batch_alter_table('customer_metrics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_metrics_aov'), ['aov'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_metrics_clv_12m'), ['clv_12m'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_metrics_last_order_at'), ['last_order_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_metrics_rfm_label'), ['rfm_label'], unique=False)
