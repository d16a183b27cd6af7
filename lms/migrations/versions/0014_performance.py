"""HR's performance grades, 7.4 follow-up, suggestions and awards (issue 14, 3–5).

Seven new tables, nothing else touched: grade_import (who imported which
file, when, how many rows, why), performance_grade (a person's current
values for one period; the ledger keeps every earlier value),
performance_review (the 绩效面谈), grade_appeal, improvement_plan (the PIP
a grade C opens), suggestion and award. Written by hand from the models in
lms/models/performance.py; tests/test_migrations.py compares the two.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _user_fk(column, table, set_null=False):
    return sa.ForeignKeyConstraint([column], ['user.id'], name=op.f(f'fk_{table}_{column}_user'),
                                   ondelete='SET NULL' if set_null else None)


def upgrade():
    op.create_table('grade_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('corrected_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('periods', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    _user_fk('imported_by_id', 'grade_import', set_null=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_import')),
    )
    op.create_table('performance_grade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('period_kind', sa.String(length=8), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('grade', sa.String(length=1), nullable=True),
    sa.Column('kpi_rate', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('satisfaction_percentile', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint('score IS NOT NULL OR grade IS NOT NULL', name=op.f('ck_performance_grade_score_or_grade')),
    _user_fk('user_id', 'performance_grade'),
    sa.ForeignKeyConstraint(['import_id'], ['grade_import.id'],
                            name=op.f('fk_performance_grade_import_id_grade_import')),
    _user_fk('changed_by_id', 'performance_grade', set_null=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_grade')),
    sa.UniqueConstraint('user_id', 'period', name='uq_performance_grade_user_id_period'),
    )
    with op.batch_alter_table('performance_grade', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_grade_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_grade_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_grade_grade'), ['grade'], unique=False)

    op.create_table('performance_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grade_id'], ['performance_grade.id'],
                            name=op.f('fk_performance_review_grade_id_performance_grade')),
    _user_fk('manager_id', 'performance_review'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_review')),
    sa.UniqueConstraint('grade_id', name=op.f('uq_performance_review_grade_id')),
    )
    op.create_table('grade_appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('decide_by', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_late', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['grade_id'], ['performance_grade.id'],
                            name=op.f('fk_grade_appeal_grade_id_performance_grade')),
    _user_fk('user_id', 'grade_appeal'),
    _user_fk('decided_by_id', 'grade_appeal', set_null=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_appeal')),
    sa.UniqueConstraint('grade_id', name=op.f('uq_grade_appeal_grade_id')),
    )
    with op.batch_alter_table('grade_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_appeal_user_id'), ['user_id'], unique=False)

    op.create_table('improvement_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('reevaluate_on', sa.Date(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['grade_id'], ['performance_grade.id'],
                            name=op.f('fk_improvement_plan_grade_id_performance_grade')),
    _user_fk('user_id', 'improvement_plan'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_plan')),
    sa.UniqueConstraint('grade_id', name=op.f('uq_improvement_plan_grade_id')),
    )
    with op.batch_alter_table('improvement_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_plan_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_plan_reevaluate_on'), ['reevaluate_on'], unique=False)

    op.create_table('suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('clause', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    _user_fk('author_id', 'suggestion'),
    _user_fk('decided_by_id', 'suggestion', set_null=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion')),
    )
    with op.batch_alter_table('suggestion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestion_status'), ['status'], unique=False)

    op.create_table('award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    _user_fk('user_id', 'award'),
    _user_fk('recorded_by_id', 'award', set_null=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award')),
    )
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_user_id'), ['user_id'], unique=False)


def downgrade():
    # Children first; dropping a table drops its indexes.
    for table in ('award', 'suggestion', 'improvement_plan', 'grade_appeal', 'performance_review',
                  'performance_grade', 'grade_import'):
        op.drop_table(table)
