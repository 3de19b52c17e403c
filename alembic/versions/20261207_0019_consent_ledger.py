"""consent ledger: destination, purpose, wording and evidence on consent events

Revision ID: 0019_consent_ledger
Revises: 0018_draft_examples
Create Date: 2026-12-07 21:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import assistant.models.base


revision: str = '0019_consent_ledger'
down_revision: str | None = '0018_draft_examples'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Consent is proven per destination (phone / email), not only per customer record.
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('destination', sa.String(length=320), nullable=True))
        batch_op.add_column(
            sa.Column('purpose', sa.String(length=16), server_default='messages', nullable=False)
        )
        batch_op.add_column(sa.Column('wording', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                'evidence',
                assistant.models.base.JsonDocument,
                server_default='{}',
                nullable=False,
            )
        )
        batch_op.create_index(
            batch_op.f('ix_consent_events_channel_destination_occurred_at'),
            ['channel', 'destination', 'occurred_at'],
            unique=False,
        )
    # Best effort: older events are about the customer's current address (it may have
    # changed since; the evidence says the destination was backfilled).
    for channel, column in (('sms', 'phone'), ('email', 'lower(email)')):
        op.execute(
            f"UPDATE consent_events SET destination = (SELECT {column} FROM customers "
            "WHERE customers.id = consent_events.customer_id) "
            f"WHERE channel = '{channel}' AND destination IS NULL"
        )
    evidence = (
        "'{\"destination\": \"backfilled\"}'::jsonb"
        if op.get_bind().dialect.name == 'postgresql'
        else "'{\"destination\": \"backfilled\"}'"
    )
    op.execute(f"UPDATE consent_events SET evidence = {evidence} WHERE destination IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_events_channel_destination_occurred_at'))
        batch_op.drop_column('evidence')
        batch_op.drop_column('wording')
        batch_op.drop_column('purpose')
        batch_op.drop_column('destination')
