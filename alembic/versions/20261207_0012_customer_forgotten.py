"""customer forgotten

Revision ID: 0012_customer_forgotten
Revises: 0011_api_keys
Create Date: 2026-12-07 05:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0012_customer_forgotten'
down_revision: str | None = '0011_api_keys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # When a customer's personal data was erased; imports skip a forgotten external id.
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forgotten_at', assistant.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('forgotten_at')
