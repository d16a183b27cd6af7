"""Quarterly exams: definitions, attempts with their fixed papers, results as facts, appeals.

Reviewed by hand: the boolean default of exam.partial_credit is sa.false()
(autogenerate wrote SQLite's literal 0, which PostgreSQL rejects). Results
are never updated in place: a regrade adds an attempt_result row with a
higher sequence that supersedes the previous one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 21:12:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('quarter', sa.String(length=16), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=False),
    sa.Column('grace_seconds', sa.Integer(), nullable=False),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('partial_credit', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_options', sa.Boolean(), nullable=False),
    sa.Column('review_policy', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('blueprint', sa.JSON(), nullable=False),
    sa.Column('source_file', sa.String(length=200), nullable=False),
    sa.Column('definition_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam')),
    sa.UniqueConstraint('key', name=op.f('uq_exam_key'))
    )
    op.create_table('exam_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('finish_reason', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_attempt_exam_id_exam'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_exam_attempt_user_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_attempt')),
    sa.UniqueConstraint('exam_id', 'user_id', 'number', name='uq_exam_attempt_exam_id_user_id_number')
    )
    with op.batch_alter_table('exam_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_attempt_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index('ix_exam_attempt_status_deadline_at', ['status', 'deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_attempt_user_id'), ['user_id'], unique=False)

    op.create_table('attempt_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('option_order', sa.JSON(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['exam_attempt.id'], name=op.f('fk_attempt_question_attempt_id_exam_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_attempt_question_question_id_question'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_question')),
    sa.UniqueConstraint('attempt_id', 'position', name='uq_attempt_question_attempt_id_position'),
    sa.UniqueConstraint('attempt_id', 'question_id', name='uq_attempt_question_attempt_id_question_id')
    )
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_question_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_question_question_id'), ['question_id'], unique=False)

    op.create_table('exam_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('result_sequence', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decide_by', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['exam_attempt.id'], name=op.f('fk_exam_appeal_attempt_id_exam_attempt'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_appeal_exam_id_exam'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_exam_appeal_question_id_question'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_exam_appeal_user_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_appeal')),
    sa.UniqueConstraint('attempt_id', 'question_id', name='uq_exam_appeal_attempt_id_question_id')
    )
    with op.batch_alter_table('exam_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_appeal_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_appeal_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_appeal_user_id'), ['user_id'], unique=False)

    op.create_table('exam_appeal_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['exam_appeal.id'], name=op.f('fk_exam_appeal_decision_appeal_id_exam_appeal'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_exam_appeal_decision_decided_by_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_appeal_decision')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_exam_appeal_decision_appeal_id'))
    )
    op.create_table('exam_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('accepted', sa.JSON(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_exam_adjustment_created_by_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['exam_appeal_decision.id'], name=op.f('fk_exam_adjustment_decision_id_exam_appeal_decision'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_adjustment_exam_id_exam'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_exam_adjustment_question_id_question'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_adjustment'))
    )
    with op.batch_alter_table('exam_adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_adjustment_exam_id'), ['exam_id'], unique=False)

    op.create_table('attempt_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('points_awarded', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('points_possible', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('adjustment_id', sa.Integer(), nullable=True),
    sa.Column('graded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['adjustment_id'], ['exam_adjustment.id'], name=op.f('fk_attempt_result_adjustment_id_exam_adjustment'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['attempt_id'], ['exam_attempt.id'], name=op.f('fk_attempt_result_attempt_id_exam_attempt'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_attempt_result_exam_id_exam'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['attempt_result.id'], name=op.f('fk_attempt_result_supersedes_id_attempt_result'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_attempt_result_user_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_result')),
    sa.UniqueConstraint('attempt_id', 'sequence', name='uq_attempt_result_attempt_id_sequence')
    )
    with op.batch_alter_table('attempt_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_result_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_result_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_result_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attempt_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_result_user_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_result_exam_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_result_attempt_id'))

    op.drop_table('attempt_result')
    with op.batch_alter_table('exam_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_adjustment_exam_id'))

    op.drop_table('exam_adjustment')
    op.drop_table('exam_appeal_decision')
    with op.batch_alter_table('exam_appeal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_appeal_user_id'))
        batch_op.drop_index(batch_op.f('ix_exam_appeal_exam_id'))
        batch_op.drop_index(batch_op.f('ix_exam_appeal_attempt_id'))

    op.drop_table('exam_appeal')
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_question_question_id'))
        batch_op.drop_index(batch_op.f('ix_attempt_question_attempt_id'))

    op.drop_table('attempt_question')
    with op.batch_alter_table('exam_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_attempt_user_id'))
        batch_op.drop_index('ix_exam_attempt_status_deadline_at')
        batch_op.drop_index(batch_op.f('ix_exam_attempt_exam_id'))

    op.drop_table('exam_attempt')
    op.drop_table('exam')
