"""the lifecycle's promises: the customer approves the final version, revisions, declines, calls,
deals that stop counting when consent ends

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _when(name: str) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.add_column(_when('declined_at'))
        batch_op.add_column(sa.Column('decline_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_ask_declined_at'), ['declined_at'], unique=False)
    with op.batch_alter_table('story', schema=None) as batch_op:
        for name in ('call_at', 'written_up_at', 'awaiting_since', 'final_issued_at', 'final_sent_at',
                     'customer_approved_at'):
            batch_op.add_column(_when(name))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('revision_note', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('final_nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('customer_note', sa.Text(), nullable=False, server_default=''))
        batch_op.create_unique_constraint('uq_story_final_nonce', ['final_nonce'])
    with op.batch_alter_table('dealusage', schema=None) as batch_op:
        batch_op.add_column(_when('consent_ended_at'))


def downgrade() -> None:
    with op.batch_alter_table('dealusage', schema=None) as batch_op:
        batch_op.drop_column('consent_ended_at')
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.drop_constraint('uq_story_final_nonce', type_='unique')
        for name in ('customer_note', 'final_nonce', 'revision_note', 'revision', 'customer_approved_at',
                     'final_sent_at', 'final_issued_at', 'awaiting_since', 'written_up_at', 'call_at'):
            batch_op.drop_column(name)
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ask_declined_at'))
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('declined_at')
