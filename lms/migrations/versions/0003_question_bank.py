"""The question bank: banks, questions (answer spec as JSON) and choices.

Reviewed by hand: the boolean default of question.stale is sa.false()
(autogenerate wrote SQLite's literal 0, which PostgreSQL rejects).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_bank',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_bank')),
    sa.UniqueConstraint('name', name=op.f('uq_question_bank_name'))
    )

    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('source_file', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('stem', sa.Text(), nullable=False),
    sa.Column('text_format', sa.String(length=16), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('clause', sa.String(length=16), nullable=False),
    sa.Column('chapter', sa.String(length=8), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=True),
    sa.Column('level', sa.String(length=32), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('reviewed', sa.String(length=10), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('clause_hash', sa.String(length=64), nullable=True),
    sa.Column('stale', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bank_id'], ['question_bank.id'], name=op.f('fk_question_bank_id_question_bank'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question')),
    sa.UniqueConstraint('key', name=op.f('uq_question_key'))
    )

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_bank_id'), ['bank_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_chapter'), ['chapter'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_clause'), ['clause'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_dimension'), ['dimension'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_retired_at'), ['retired_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_stale'), ['stale'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_type'), ['type'], unique=False)

    op.create_table('question_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=9, scale=5), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_choice_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_choice')),
    sa.UniqueConstraint('question_id', 'key', name='uq_question_choice_question_id_key')
    )

    with op.batch_alter_table('question_choice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_choice_question_id'), ['question_id'], unique=False)


def downgrade():
    with op.batch_alter_table('question_choice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_choice_question_id'))

    op.drop_table('question_choice')

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_type'))
        batch_op.drop_index(batch_op.f('ix_question_stale'))
        batch_op.drop_index(batch_op.f('ix_question_retired_at'))
        batch_op.drop_index(batch_op.f('ix_question_level'))
        batch_op.drop_index(batch_op.f('ix_question_dimension'))
        batch_op.drop_index(batch_op.f('ix_question_clause'))
        batch_op.drop_index(batch_op.f('ix_question_chapter'))
        batch_op.drop_index(batch_op.f('ix_question_bank_id'))

    op.drop_table('question')

    op.drop_table('question_bank')
