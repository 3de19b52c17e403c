"""send time: the policy that timed each outbound marketing message (docs/send-time.md)

Revision ID: 0017_send_time
Revises: 0015_triggers
Create Date: 2026-12-07 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017_send_time'
down_revision: str | None = '0016_variants'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('messages') as batch_op:
        batch_op.add_column(sa.Column('send_time', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages') as batch_op:
        batch_op.drop_column('send_time')
