"""conversations unmatched inbound

Revision ID: 0008_conversations
Revises: 0007_delivery
Create Date: 2026-11-23 05:32:25.558655
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0008_conversations'
down_revision: str | None = '0007_delivery'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Inbound SMS from numbers no customer has (messages.customer_id is required).
    op.create_table('unmatched_inbound',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('provider_message_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), server_default='sms', nullable=False),
    sa.Column('from_address', sa.String(length=320), nullable=False),
    sa.Column('to_address', sa.String(length=320), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='flagged', nullable=False),
    sa.Column('reply_body', sa.Text(), nullable=True),
    sa.Column('created_at', assistant.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', assistant.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unmatched_inbound')),
    sa.UniqueConstraint('provider_message_id', name=op.f('uq_unmatched_inbound_provider_message_id'))
    )


def downgrade() -> None:
    op.drop_table('unmatched_inbound')
