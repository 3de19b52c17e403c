"""ingest requests

Revision ID: 0013_ingest_requests
Revises: 0012_customer_forgotten
Create Date: 2026-12-07 14:26:50.407774
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import assistant.models.base


revision: str = '0013_ingest_requests'
down_revision: str | None = '0012_customer_forgotten'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # POST /api/v1/ingest/{kind} with an Idempotency-Key: the first response, for replays.
    op.create_table('ingest_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('caller', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', assistant.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_requests')),
    sa.UniqueConstraint('caller', 'kind', 'idempotency_key', name=op.f('uq_ingest_requests_caller_kind_idempotency_key'))
    )
    op.create_index(op.f('ix_ingest_requests_created_at'), 'ingest_requests', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ingest_requests_created_at'), table_name='ingest_requests')
    op.drop_table('ingest_requests')
