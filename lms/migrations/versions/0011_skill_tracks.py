"""Skill tracks: synced cells, level quizzes, practical assessments, achieved levels (issue 13).

- exam.kind: "quarterly" (every existing row, by its server default) or "level_quiz";
- skill_cell: the synced cells of content/tracks.yaml;
- skill_assessment_request: at most one open request per person and cell, by a
  partial unique index (WHERE status = 'open', which both SQLite and PostgreSQL have);
- skill_assessment: unique per request (two sign-offs at once give one);
- skill_level_award / skill_level_revocation: achievements and their revocations,
  never updated (unique (user, cell, sequence); one revocation per award).

Written by hand.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='quarterly', nullable=False))

    op.create_table('skill_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('clause', sa.String(length=16), nullable=False),
    sa.Column('descriptor', sa.Text(), nullable=False),
    sa.Column('lessons', sa.JSON(), nullable=False),
    sa.Column('quiz', sa.JSON(), nullable=False),
    sa.Column('assessment', sa.JSON(), nullable=False),
    sa.Column('prerequisite_key', sa.String(length=32), nullable=True),
    sa.Column('exam_id', sa.Integer(), nullable=True),
    sa.Column('definition_hash', sa.String(length=64), nullable=False),
    sa.Column('tracks_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_skill_cell_exam_id_exam'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_cell')),
    sa.UniqueConstraint('key', name=op.f('uq_skill_cell_key')),
    )

    op.create_table('skill_assessment_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                            name=op.f('fk_skill_assessment_request_user_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cell_id'], ['skill_cell.id'],
                            name=op.f('fk_skill_assessment_request_cell_id_skill_cell'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['assessor_id'], ['user.id'],
                            name=op.f('fk_skill_assessment_request_assessor_id_user'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'],
                            name=op.f('fk_skill_assessment_request_assigned_by_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_assessment_request')),
    )
    with op.batch_alter_table('skill_assessment_request', schema=None) as batch_op:
        batch_op.create_index('ix_skill_assessment_request_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_skill_assessment_request_cell_id', ['cell_id'], unique=False)
        batch_op.create_index('ix_skill_assessment_request_assessor_id_status', ['assessor_id', 'status'],
                              unique=False)
        batch_op.create_index('uq_skill_assessment_request_open', ['user_id', 'cell_id'], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('skill_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('scenario', sa.String(length=32), nullable=False),
    sa.Column('scenario_detail', sa.Text(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('weighted', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('evidence_md', sa.Text(), nullable=False),
    sa.Column('evidence_html', sa.Text(), nullable=False),
    sa.Column('cell_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['skill_assessment_request.id'],
                            name=op.f('fk_skill_assessment_request_id_skill_assessment_request'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_skill_assessment_user_id_user'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cell_id'], ['skill_cell.id'], name=op.f('fk_skill_assessment_cell_id_skill_cell'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user.id'], name=op.f('fk_skill_assessment_signed_by_id_user'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_assessment')),
    sa.UniqueConstraint('request_id', name=op.f('uq_skill_assessment_request_id')),
    )
    with op.batch_alter_table('skill_assessment', schema=None) as batch_op:
        batch_op.create_index('ix_skill_assessment_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_skill_assessment_cell_id', ['cell_id'], unique=False)
        batch_op.create_index('ix_skill_assessment_signed_by_id', ['signed_by_id'], unique=False)

    op.create_table('skill_level_award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('achieved_on', sa.Date(), nullable=False),
    sa.Column('achieved_at', sa.DateTime(), nullable=False),
    sa.Column('quiz_attempt_id', sa.Integer(), nullable=False),
    sa.Column('quiz_result_id', sa.Integer(), nullable=False),
    sa.Column('quiz_score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('lessons', sa.JSON(), nullable=False),
    sa.Column('cell_hash', sa.String(length=64), nullable=False),
    sa.Column('tracks_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_skill_level_award_user_id_user'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['cell_id'], ['skill_cell.id'], name=op.f('fk_skill_level_award_cell_id_skill_cell'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['quiz_attempt_id'], ['exam_attempt.id'],
                            name=op.f('fk_skill_level_award_quiz_attempt_id_exam_attempt'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['quiz_result_id'], ['attempt_result.id'],
                            name=op.f('fk_skill_level_award_quiz_result_id_attempt_result'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['assessment_id'], ['skill_assessment.id'],
                            name=op.f('fk_skill_level_award_assessment_id_skill_assessment'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_level_award')),
    sa.UniqueConstraint('user_id', 'cell_id', 'sequence', name='uq_skill_level_award_user_id_cell_id_sequence'),
    )
    with op.batch_alter_table('skill_level_award', schema=None) as batch_op:
        batch_op.create_index('ix_skill_level_award_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_skill_level_award_cell_id', ['cell_id'], unique=False)

    op.create_table('skill_level_revocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['skill_level_award.id'],
                            name=op.f('fk_skill_level_revocation_award_id_skill_level_award'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_skill_level_revocation_revoked_by_id_user'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_level_revocation')),
    sa.UniqueConstraint('award_id', name=op.f('uq_skill_level_revocation_award_id')),
    )


def downgrade():
    op.drop_table('skill_level_revocation')
    with op.batch_alter_table('skill_level_award', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_level_award_cell_id')
        batch_op.drop_index('ix_skill_level_award_user_id')
    op.drop_table('skill_level_award')
    with op.batch_alter_table('skill_assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_assessment_signed_by_id')
        batch_op.drop_index('ix_skill_assessment_cell_id')
        batch_op.drop_index('ix_skill_assessment_user_id')
    op.drop_table('skill_assessment')
    with op.batch_alter_table('skill_assessment_request', schema=None) as batch_op:
        batch_op.drop_index('uq_skill_assessment_request_open')
        batch_op.drop_index('ix_skill_assessment_request_assessor_id_status')
        batch_op.drop_index('ix_skill_assessment_request_cell_id')
        batch_op.drop_index('ix_skill_assessment_request_user_id')
    op.drop_table('skill_assessment_request')
    op.drop_table('skill_cell')
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_column('kind')
