"""draft examples: anonymised approved edits, learned per playbook and channel

Revision ID: 0018_draft_examples
Revises: 0015_triggers
Create Date: 2026-12-07 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0018_draft_examples'
down_revision: str | None = "0017_send_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Never the original text: only the anonymised one, deduplicated by its fingerprint.
    op.create_table(
        'draft_examples',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('playbook', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(length=71), nullable=False),
        sa.Column('source_draft_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('created_at', assistant.models.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('removed_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('removed_by', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['source_draft_id'], ['drafts.id'], name=op.f('fk_draft_examples_source_draft_id_drafts'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_examples')),
        sa.UniqueConstraint('playbook', 'channel', 'fingerprint', name=op.f('uq_draft_examples_playbook_channel_fingerprint')),
    )
    op.create_index(op.f('ix_draft_examples_playbook_channel_created_at'), 'draft_examples', ['playbook', 'channel', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_draft_examples_playbook_channel_created_at'), table_name='draft_examples')
    op.drop_table('draft_examples')
