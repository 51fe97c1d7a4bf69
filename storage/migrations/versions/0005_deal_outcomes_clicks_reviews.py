"""deal outcomes, placement clicks, review sites and campaigns, program facts

Revision ID: 0005
Revises: 0003, 0004 (merges the two heads)
"""
import secrets
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = ('0003', '0004')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('deal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('outcome', sa.Enum('open', 'won', 'lost', 'withdrawn', name='dealoutcome', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('opened_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('opportunity_id')
    )
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_deal_outcome_closed', ['outcome', 'closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_updated_at'), ['updated_at'], unique=False)

    op.create_table('programfact',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('programfact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programfact_at'), ['at'], unique=False)

    op.create_table('reviewcampaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ask_type', sa.Enum('star_review', 'short_quote', 'story_call', 'case_study', 'reference_call', 'user_content', 'referral', name='asktype', native_enum=False, length=32), nullable=False),
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('incentive', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('disclosure', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('promoters', sa.Integer(), nullable=False),
    sa.Column('passives', sa.Integer(), nullable=False),
    sa.Column('detractors', sa.Integer(), nullable=False),
    sa.Column('unscored', sa.Integer(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviewcampaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewcampaign_created_at'), ['created_at'], unique=False)

    op.create_table('sitereview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('site', sa.Enum('g2', 'capterra', 'trustradius', name='reviewsite', native_enum=False, length=32), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url')
    )
    with op.batch_alter_table('sitereview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sitereview_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sitereview_ask_id'), ['ask_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sitereview_confirmed_at'), ['confirmed_at'], unique=False)

    op.create_table('placementclick',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('clicked_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('placementclick', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placementclick_placement_id'), ['placement_id'], unique=False)
        batch_op.create_index('ix_placementclick_time_placement', ['clicked_at', 'placement_id'], unique=False)

    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ask_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key('fk_ask_campaign_id', 'reviewcampaign', ['campaign_id'], ['id'])

    with op.batch_alter_table('dealusage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dealusage_opportunity_id'), ['opportunity_id'], unique=False)

    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_placement_code'), ['code'], unique=True)
    placement = sa.table('placement', sa.column('id', sa.Integer), sa.column('code', sa.String))
    connection = op.get_bind()
    for (placement_id,) in connection.execute(sa.select(placement.c.id)).fetchall():
        connection.execute(placement.update().where(placement.c.id == placement_id)
                           .values(code=secrets.token_urlsafe(6)))


def downgrade() -> None:
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_code'))
        batch_op.drop_column('code')

    with op.batch_alter_table('dealusage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dealusage_opportunity_id'))

    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ask_campaign_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ask_campaign_id'))
        batch_op.drop_column('campaign_id')

    with op.batch_alter_table('placementclick', schema=None) as batch_op:
        batch_op.drop_index('ix_placementclick_time_placement')
        batch_op.drop_index(batch_op.f('ix_placementclick_placement_id'))

    op.drop_table('placementclick')
    with op.batch_alter_table('sitereview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sitereview_confirmed_at'))
        batch_op.drop_index(batch_op.f('ix_sitereview_ask_id'))
        batch_op.drop_index(batch_op.f('ix_sitereview_account_id'))

    op.drop_table('sitereview')
    with op.batch_alter_table('reviewcampaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewcampaign_created_at'))

    op.drop_table('reviewcampaign')
    with op.batch_alter_table('programfact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programfact_at'))

    op.drop_table('programfact')
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_updated_at'))
        batch_op.drop_index(batch_op.f('ix_deal_owner'))
        batch_op.drop_index('ix_deal_outcome_closed')
        batch_op.drop_index(batch_op.f('ix_deal_created_at'))
        batch_op.drop_index(batch_op.f('ix_deal_closed_at'))

    op.drop_table('deal')
