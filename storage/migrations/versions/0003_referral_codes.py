"""referral codes per advocate, and the referred contact

Revision ID: 0003
Revises: 0001
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types

revision: str = '0003'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('referralcode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('contact_id')
    )
    with op.batch_alter_table('referralcode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referralcode_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referralcode_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referred_contact', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_column('referred_contact')
    with op.batch_alter_table('referralcode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referralcode_created_at'))
        batch_op.drop_index(batch_op.f('ix_referralcode_account_id'))
    op.drop_table('referralcode')
