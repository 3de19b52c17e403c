"""draft regenerating flag

Revision ID: 0005_review
Revises: 0004
Create Date: 2026-11-23 05:01:35.382903
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0005_review'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Set while a reviewer's regeneration runs (assistant.review): decisions wait for it.
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regenerating_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('regenerating_at')
