"""Incentive eligibility confirmations, the rule texts they were made under, and the record view log (issue 14, 7–8).

`incentive_rule_text` keeps every version of content/incentives.yaml a
confirmation was made under, by its sha256; `eligibility_confirmation` is the
object the `eligibility_confirmed` ledger facts point at, and
`eligibility_confirmation_person` its list; `record_view` logs
each look at another person's record. Written by hand.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incentive_rule_text',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('stored_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_incentive_rule_text')),
    )
    op.create_table('eligibility_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('rules_hash', sa.String(length=64), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.Column('people_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'],
                            name=op.f('fk_eligibility_confirmation_confirmed_by_id_user')),
    sa.ForeignKeyConstraint(['rules_hash'], ['incentive_rule_text.hash'],
                            name=op.f('fk_eligibility_confirmation_rules_hash_incentive_rule_text')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_confirmation')),
    )
    with op.batch_alter_table('eligibility_confirmation', schema=None) as batch_op:
        batch_op.create_index('ix_eligibility_confirmation_period_confirmed_at', ['period', 'confirmed_at'],
                              unique=False)

    op.create_table('eligibility_confirmation_person',
    sa.Column('confirmation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmation_id'], ['eligibility_confirmation.id'],
                            name=op.f('fk_eligibility_confirmation_person_confirmation_id_eligibility_confirmation')),
    sa.ForeignKeyConstraint(['person_id'], ['user.id'], name=op.f('fk_eligibility_confirmation_person_person_id_user')),
    sa.PrimaryKeyConstraint('confirmation_id', 'person_id', name=op.f('pk_eligibility_confirmation_person')),
    )
    op.create_table('record_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=True),
    sa.Column('viewer_name', sa.String(length=64), nullable=False),
    sa.Column('what', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['subject_id'], ['user.id'], name=op.f('fk_record_view_subject_id_user'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['viewer_id'], ['user.id'], name=op.f('fk_record_view_viewer_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_view')),
    )
    with op.batch_alter_table('record_view', schema=None) as batch_op:
        batch_op.create_index('ix_record_view_subject_id_at', ['subject_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_view_viewer_id'), ['viewer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('record_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_view_viewer_id'))
        batch_op.drop_index('ix_record_view_subject_id_at')
    op.drop_table('record_view')
    op.drop_table('eligibility_confirmation_person')
    with op.batch_alter_table('eligibility_confirmation', schema=None) as batch_op:
        batch_op.drop_index('ix_eligibility_confirmation_period_confirmed_at')
    op.drop_table('eligibility_confirmation')
    op.drop_table('incentive_rule_text')
