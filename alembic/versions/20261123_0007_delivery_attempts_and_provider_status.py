"""delivery attempts and provider status

Revision ID: 0007_delivery
Revises: 0006_slack
Create Date: 2026-11-23 05:03:07.522247
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0007_delivery'
down_revision: str | None = '0006_slack'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The sender reconciles from the first attempt on; status callbacks keep the provider's word.
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_attempt_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('provider_status', sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('provider_status')
        batch_op.drop_column('first_attempt_at')
