"""slack post claims: campaign parent messages and claim-before-post times

Revision ID: 0006_slack
Revises: 0005_review
Create Date: 2026-11-23 05:02:21.183954
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0006_slack'
down_revision: str | None = '0005_review'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A card is claimed (slack_claimed_at) before it is posted and recorded (slack_ts) after:
    # never posted twice, and a lost answer is found again (connectors/slack/ledger.py).
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_channel', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('slack_ts', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('slack_claimed_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_claimed_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('slack_claimed_at')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('slack_claimed_at')
        batch_op.drop_column('slack_ts')
        batch_op.drop_column('slack_channel')
