"""shopify

Revision ID: 0014_shopify
Revises: 0012_customer_forgotten
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import assistant.models.base


revision: str = '0014_shopify'
down_revision: str | None = '0013_ingest_requests'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_NOW = sa.text('(CURRENT_TIMESTAMP)')


def _ts(name: str, *, nullable: bool = True, now: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        assistant.models.base.UTCDateTime(timezone=True),
        server_default=_NOW if now else None,
        nullable=nullable,
    )


def upgrade() -> None:
    # The store `assistant shopify connect` checked; SHOPIFY_* settings win over it.
    op.create_table('shopify_connections',
    sa.Column('id', _ID, nullable=False),
    sa.Column('shop_domain', sa.String(length=255), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=False),
    sa.Column('api_secret', sa.Text(), nullable=True),
    sa.Column('shop_name', sa.String(length=255), nullable=True),
    sa.Column('api_version', sa.String(length=16), nullable=False),
    sa.Column('webhook_url', sa.String(length=2048), nullable=True),
    _ts('webhooks_registered_at'),
    _ts('created_at', nullable=False, now=True),
    _ts('updated_at', nullable=False, now=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopify_connections')),
    sa.UniqueConstraint('shop_domain', name=op.f('uq_shopify_connections_shop_domain'))
    )
    # The backfill's place per resource: an interrupted `assistant shopify sync` continues.
    op.create_table('shopify_sync_state',
    sa.Column('id', _ID, nullable=False),
    sa.Column('shop_domain', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=32), nullable=False),
    _ts('since'),
    sa.Column('cursor', sa.Text(), nullable=True),
    sa.Column('bulk_operation_id', sa.String(length=255), nullable=True),
    sa.Column('records', sa.Integer(), server_default='0', nullable=False),
    _ts('started_at', nullable=False),
    _ts('completed_at'),
    _ts('created_at', nullable=False, now=True),
    _ts('updated_at', nullable=False, now=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopify_sync_state')),
    sa.UniqueConstraint('shop_domain', 'resource', name=op.f('uq_shopify_sync_state_shop_domain_resource'))
    )
    # Webhook deliveries, once per X-Shopify-Event-Id; the payload only until processed.
    op.create_table('shopify_webhooks',
    sa.Column('id', _ID, nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('shop_domain', sa.String(length=255), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='received', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    _ts('triggered_at'),
    _ts('received_at', nullable=False),
    _ts('processed_at'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopify_webhooks')),
    sa.UniqueConstraint('event_id', name=op.f('uq_shopify_webhooks_event_id'))
    )


def downgrade() -> None:
    op.drop_table('shopify_webhooks')
    op.drop_table('shopify_sync_state')
    op.drop_table('shopify_connections')
