"""initial schema

Revision ID: 0001
Revises: 
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('crm_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('crm_id'),
    sa.UniqueConstraint('name_key')
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_industry'), ['industry'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_segment'), ['segment'], unique=False)

    op.create_table('auditevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_at'), ['at'], unique=False)

    op.create_table('chatref',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ref_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'ref_key')
    )
    with op.batch_alter_table('chatref', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chatref_created_at'), ['created_at'], unique=False)

    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=300), nullable=False),
    sa.Column('service_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('conversation_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id')
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_updated_at'), ['updated_at'], unique=False)

    op.create_table('digestrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'period')
    )
    with op.batch_alter_table('digestrun', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digestrun_created_at'), ['created_at'], unique=False)

    op.create_table('nudgesent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('threshold', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_kind', 'item_id', 'threshold')
    )
    with op.batch_alter_table('nudgesent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nudgesent_sent_at'), ['sent_at'], unique=False)

    op.create_table('outboxmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lane', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('effect', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.Enum('pending', 'delivered', 'dead', name='outboxstate', native_enum=False, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_pending', ['state', 'lane', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_next_attempt_at'), ['next_attempt_at'], unique=False)

    op.create_table('processedevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('received_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'event_id')
    )
    with op.batch_alter_table('processedevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processedevent_received_at'), ['received_at'], unique=False)

    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'email')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_created_at'), ['created_at'], unique=False)

    op.create_table('supportsnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('open_tickets', sa.Integer(), nullable=False),
    sa.Column('open_escalations', sa.Integer(), nullable=False),
    sa.Column('csat', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'measured_on')
    )
    with op.batch_alter_table('supportsnapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supportsnapshot_account_id'), ['account_id'], unique=False)

    op.create_table('usagesnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('active_users', sa.Integer(), nullable=False),
    sa.Column('usage_percentile', sa.Float(), nullable=False),
    sa.Column('time_to_value_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'measured_on')
    )
    with op.batch_alter_table('usagesnapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usagesnapshot_account_id'), ['account_id'], unique=False)

    op.create_table('npsresponse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('responded_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('npsresponse', schema=None) as batch_op:
        batch_op.create_index('ix_nps_account_time', ['account_id', 'responded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_npsresponse_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_npsresponse_responded_at'), ['responded_at'], unique=False)

    op.create_table('referencerequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('criteria', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('opportunity_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('open', 'approved', 'declined', 'completed', name='referencestate', native_enum=False, length=32), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referencerequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referencerequest_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referencerequest_state'), ['state'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('referred_company', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sa.Enum('made', 'converted', 'lost', name='referralstate', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('converted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_created_at'), ['created_at'], unique=False)

    op.create_table('win',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('outcome_type', sa.Enum('time_saved', 'revenue_gained', 'errors_reduced', 'risk_removed', 'other', name='outcometype', native_enum=False, length=32), nullable=False),
    sa.Column('metric_value', sa.Float(), nullable=True),
    sa.Column('metric_unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('story', sa.Text(), nullable=False),
    sa.Column('source', sa.Enum('command', 'shortcut', 'reaction', 'teams', 'cli', 'import', name='winsource', native_enum=False, length=32), nullable=False),
    sa.Column('source_link', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('flagged_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('flagged_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_win_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_win_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_win_flagged_by'), ['flagged_by'], unique=False)

    op.create_table('closeloopitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('nps_response_id', sa.Integer(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sa.Enum('open', 'resolved', name='closeloopstate', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['nps_response_id'], ['npsresponse.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nps_response_id')
    )
    with op.batch_alter_table('closeloopitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closeloopitem_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_closeloopitem_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_closeloopitem_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_closeloopitem_state'), ['state'], unique=False)

    op.create_table('nomination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('win_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('alternatives', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.Enum('proposed', 'accepted', 'dismissed', 'snoozed', name='nominationstate', native_enum=False, length=32), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('snoozed_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['win_id'], ['win.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nomination_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_nomination_owner'), ['owner'], unique=False)
        batch_op.create_index('ix_nomination_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_nomination_win_id'), ['win_id'], unique=False)

    op.create_table('ask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('ask_type', sa.Enum('star_review', 'short_quote', 'story_call', 'case_study', 'reference_call', 'user_content', 'referral', name='asktype', native_enum=False, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('drafted', 'sent', 'responded', 'declined', 'expired', name='askstate', native_enum=False, length=32), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('token_nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('responded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_nonce')
    )
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ask_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_ask_type'), ['ask_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_nomination_id'), ['nomination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ask_owner'), ['owner'], unique=False)
        batch_op.create_index('ix_ask_state_created', ['state', 'created_at'], unique=False)

    op.create_table('story',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('win_id', sa.Integer(), nullable=True),
    sa.Column('ask_type', sa.Enum('star_review', 'short_quote', 'story_call', 'case_study', 'reference_call', 'user_content', 'referral', name='asktype', native_enum=False, length=32), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('change', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('metrics', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('preferred_time', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sa.Enum('in_review', 'changes_requested', 'approved', 'rejected', 'published', 'withdrawn', name='storystate', native_enum=False, length=32), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('submitted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['win_id'], ['win.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_ask_id'), ['ask_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_published_at'), ['published_at'], unique=False)
        batch_op.create_index('ix_story_state_created', ['state', 'created_at'], unique=False)

    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('channels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('review_before_publish', sa.Boolean(), nullable=False),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('signer_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('view_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('granted_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('story_id'),
    sa.UniqueConstraint('view_token')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_granted_at'), ['granted_at'], unique=False)

    op.create_table('dealusage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('won', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recorded_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('story_id', 'opportunity_id')
    )
    with op.batch_alter_table('dealusage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dealusage_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dealusage_story_id'), ['story_id'], unique=False)

    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('website', 'sales_deck', 'social', 'email', 'review_site', 'community', name='placementchannel', native_enum=False, length=32), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('tracked_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('state', sa.Enum('live', 'retired', name='placementstate', native_enum=False, length=32), nullable=False),
    sa.Column('published_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('published_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retire_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_story_id'), ['story_id'], unique=False)

    op.create_table('recognition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('thank_you_note', 'badge', 'early_access', 'swag', 'event_invite', name='recognitionkind', native_enum=False, length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('disclosure', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('given_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recognition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recognition_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_given_at'), ['given_at'], unique=False)

    op.create_table('reviewdecision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('approved', 'changes_requested', 'rejected', name='decision', native_enum=False, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviewdecision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewdecision_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviewdecision_story_id'), ['story_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reviewdecision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewdecision_story_id'))
        batch_op.drop_index(batch_op.f('ix_reviewdecision_decided_at'))

    op.drop_table('reviewdecision')
    with op.batch_alter_table('recognition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recognition_given_at'))
        batch_op.drop_index(batch_op.f('ix_recognition_account_id'))

    op.drop_table('recognition')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_story_id'))
        batch_op.drop_index(batch_op.f('ix_placement_state'))
        batch_op.drop_index(batch_op.f('ix_placement_published_at'))
        batch_op.drop_index(batch_op.f('ix_placement_channel'))

    op.drop_table('placement')
    with op.batch_alter_table('dealusage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dealusage_story_id'))
        batch_op.drop_index(batch_op.f('ix_dealusage_recorded_at'))

    op.drop_table('dealusage')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_granted_at'))

    op.drop_table('consent')
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.drop_index('ix_story_state_created')
        batch_op.drop_index(batch_op.f('ix_story_published_at'))
        batch_op.drop_index(batch_op.f('ix_story_owner'))
        batch_op.drop_index(batch_op.f('ix_story_created_at'))
        batch_op.drop_index(batch_op.f('ix_story_ask_id'))
        batch_op.drop_index(batch_op.f('ix_story_account_id'))

    op.drop_table('story')
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.drop_index('ix_ask_state_created')
        batch_op.drop_index(batch_op.f('ix_ask_owner'))
        batch_op.drop_index(batch_op.f('ix_ask_nomination_id'))
        batch_op.drop_index(batch_op.f('ix_ask_created_at'))
        batch_op.drop_index(batch_op.f('ix_ask_contact_id'))
        batch_op.drop_index(batch_op.f('ix_ask_ask_type'))
        batch_op.drop_index(batch_op.f('ix_ask_account_id'))

    op.drop_table('ask')
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_win_id'))
        batch_op.drop_index('ix_nomination_state_created')
        batch_op.drop_index(batch_op.f('ix_nomination_owner'))
        batch_op.drop_index(batch_op.f('ix_nomination_created_at'))
        batch_op.drop_index(batch_op.f('ix_nomination_account_id'))

    op.drop_table('nomination')
    with op.batch_alter_table('closeloopitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closeloopitem_state'))
        batch_op.drop_index(batch_op.f('ix_closeloopitem_owner'))
        batch_op.drop_index(batch_op.f('ix_closeloopitem_created_at'))
        batch_op.drop_index(batch_op.f('ix_closeloopitem_account_id'))

    op.drop_table('closeloopitem')
    with op.batch_alter_table('win', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_win_flagged_by'))
        batch_op.drop_index(batch_op.f('ix_win_created_at'))
        batch_op.drop_index(batch_op.f('ix_win_account_id'))

    op.drop_table('win')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_created_at'))
        batch_op.drop_index(batch_op.f('ix_referral_code'))
        batch_op.drop_index(batch_op.f('ix_referral_account_id'))

    op.drop_table('referral')
    with op.batch_alter_table('referencerequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referencerequest_state'))
        batch_op.drop_index(batch_op.f('ix_referencerequest_created_at'))

    op.drop_table('referencerequest')
    with op.batch_alter_table('npsresponse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_npsresponse_responded_at'))
        batch_op.drop_index(batch_op.f('ix_npsresponse_contact_id'))
        batch_op.drop_index('ix_nps_account_time')

    op.drop_table('npsresponse')
    with op.batch_alter_table('usagesnapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usagesnapshot_account_id'))

    op.drop_table('usagesnapshot')
    with op.batch_alter_table('supportsnapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supportsnapshot_account_id'))

    op.drop_table('supportsnapshot')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_created_at'))
        batch_op.drop_index(batch_op.f('ix_contact_account_id'))

    op.drop_table('contact')
    with op.batch_alter_table('processedevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processedevent_received_at'))

    op.drop_table('processedevent')
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outboxmessage_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_outboxmessage_created_at'))
        batch_op.drop_index('ix_outbox_pending')

    op.drop_table('outboxmessage')
    with op.batch_alter_table('nudgesent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudgesent_sent_at'))

    op.drop_table('nudgesent')
    with op.batch_alter_table('digestrun', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digestrun_created_at'))

    op.drop_table('digestrun')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_updated_at'))

    op.drop_table('conversation')
    with op.batch_alter_table('chatref', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chatref_created_at'))

    op.drop_table('chatref')
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_at'))
        batch_op.drop_index('ix_audit_entity')

    op.drop_table('auditevent')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_segment'))
        batch_op.drop_index(batch_op.f('ix_account_region'))
        batch_op.drop_index(batch_op.f('ix_account_owner'))
        batch_op.drop_index(batch_op.f('ix_account_industry'))
        batch_op.drop_index(batch_op.f('ix_account_created_at'))

    op.drop_table('account')
