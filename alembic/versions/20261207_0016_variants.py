"""variants: the A/B variant a draft was written with, and promoted winners

Revision ID: 0016_variants
Revises: 0015_triggers
Create Date: 2026-12-07 17:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0016_variants'
down_revision: str | None = '0015_triggers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'variant_promotions',
        sa.Column('playbook', sa.String(length=32), nullable=False),
        sa.Column('variant', sa.String(length=40), nullable=False),
        sa.Column('promoted_by', sa.String(length=100), nullable=False),
        sa.Column('promoted_at', assistant.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('playbook', name=op.f('pk_variant_promotions')),
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('variant')
    op.drop_table('variant_promotions')
