"""products short name

Revision ID: 0010_products
Revises: 0009_consent
Create Date: 2026-12-07 03:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_products'
down_revision: str | None = '0009_consent'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # How messages name a product ("House Blend"); optional, products.csv `short_name`.
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_name', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('short_name')
