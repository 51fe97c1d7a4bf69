"""indexes for the digest's time-range aggregates

Revision ID: 0004
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0004'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = [('ix_ask_sent_at', 'ask', ['sent_at']), ('ix_ask_responded_at', 'ask', ['responded_at']),
           ('ix_ask_state_sent', 'ask', ['state', 'sent_at']), ('ix_story_approved_at', 'story', ['approved_at']),
           ('ix_referral_converted_at', 'referral', ['converted_at'])]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
