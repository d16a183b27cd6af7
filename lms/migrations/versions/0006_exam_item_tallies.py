"""Item-analysis tallies: per question and whole-score bucket, per cell (exact score, attempt-id
block) and question, option counts, and results per cell.

Written by hand. The tallies are running totals kept by lms.exams.tallies
as results are written; existing results are counted with
`lms exams rebuild-tallies` after upgrading. Two indexes on attempt_result
serve the one read of results left on the analysis page (current results of
one cell, in rank order): (exam_id, score, attempt_id), and supersedes_id for "nothing
supersedes it".

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 21:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam_score_cell',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('block', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_score_cell_exam_id_exam'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'score', 'block', name=op.f('pk_exam_score_cell'))
    )
    op.create_table('exam_item_tally',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_item_tally_exam_id_exam'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_exam_item_tally_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'question_id', 'bucket', name=op.f('pk_exam_item_tally'))
    )
    op.create_table('exam_item_cell',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('block', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('credit', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_item_cell_exam_id_exam'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_exam_item_cell_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'score', 'block', 'question_id', name=op.f('pk_exam_item_cell'))
    )
    op.create_table('exam_option_tally',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('option', sa.String(length=8), nullable=False),
    sa.Column('chosen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_option_tally_exam_id_exam'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_exam_option_tally_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'question_id', 'option', name=op.f('pk_exam_option_tally'))
    )
    with op.batch_alter_table('attempt_result', schema=None) as batch_op:
        batch_op.create_index('ix_attempt_result_exam_id_score_attempt_id', ['exam_id', 'score', 'attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_result_supersedes_id'), ['supersedes_id'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_result_supersedes_id'))
        batch_op.drop_index('ix_attempt_result_exam_id_score_attempt_id')

    op.drop_table('exam_option_tally')
    op.drop_table('exam_item_cell')
    op.drop_table('exam_item_tally')
    op.drop_table('exam_score_cell')
