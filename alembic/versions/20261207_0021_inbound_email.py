"""inbound email: the Message-ID of a customer's email reply, for threading our answer

Revision ID: 0021_inbound_email
Revises: 0019_consent_ledger
Create Date: 2026-12-07 21:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0021_inbound_email'
down_revision: str | None = "0019_consent_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch:
        batch.add_column(sa.Column('email_message_id', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('email_message_id')
