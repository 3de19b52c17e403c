"""api keys

Revision ID: 0011_api_keys
Revises: 0010_products
Create Date: 2026-12-07 05:02:37.948921
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0011_api_keys'
down_revision: str | None = '0010_products'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys for /api/v1, stored by hash; found by their public prefix.
    op.create_table('api_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', assistant.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('last_used_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    # A name is unique among the keys in use (not revoked).
    op.create_index(op.f('ix_api_keys_name'), 'api_keys', ['name'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_index(op.f('ix_api_keys_name'), table_name='api_keys')
    op.drop_table('api_keys')
