"""Case-review knowledge base: reviews, versions, workflow, ratings, search index, sharing sessions.

Reviewed by hand:
- the search index differs by database: a GIN index over the tsvector on
  PostgreSQL; on SQLite a contentless FTS5 table created with raw SQL (the
  same statement lms.cases.search runs after create_all; env.py keeps
  autogenerate away from the FTS shadow tables);
- the partial unique index uq_case_rating_current (one current rating per
  rater and case) carries its WHERE clause for both databases.
After migrating existing data, run `lms cases reindex`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 21:10:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# A frozen copy: a migration must not change when the application code does.
FTS_CREATE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_fts USING fts5("
    "tokens, content='', detail=none, columnsize=0, tokenize='ascii')"
)
FTS_DROP_SQL = "DROP TABLE IF EXISTS case_fts"

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_number', sa.Integer(), nullable=True),
    sa.Column('first_published_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'published', 'archived')", name=op.f('ck_case_review_status')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_case_review_author_id_user'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_review'))
    )

    with op.batch_alter_table('case_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_review_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_review_first_published_at'), ['first_published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_review_status'), ['status'], unique=False)

    op.create_table('sharing_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_sharing_session_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_session')),
    sa.UniqueConstraint('month', name=op.f('uq_sharing_session_month'))
    )

    op.create_table('case_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('quality', sa.SmallInteger(), nullable=False),
    sa.Column('application', sa.SmallInteger(), nullable=False),
    sa.Column('engagement', sa.SmallInteger(), nullable=False),
    sa.Column('improvement', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('application BETWEEN 1 AND 5', name=op.f('ck_case_rating_application_range')),
    sa.CheckConstraint('engagement BETWEEN 1 AND 5', name=op.f('ck_case_rating_engagement_range')),
    sa.CheckConstraint('improvement BETWEEN 1 AND 5', name=op.f('ck_case_rating_improvement_range')),
    sa.CheckConstraint('quality BETWEEN 1 AND 5', name=op.f('ck_case_rating_quality_range')),
    sa.ForeignKeyConstraint(['case_id'], ['case_review.id'], name=op.f('fk_case_rating_case_id_case_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['user.id'], name=op.f('fk_case_rating_rater_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_rating'))
    )

    with op.batch_alter_table('case_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_rating_rater_id'), ['rater_id'], unique=False)
        batch_op.create_index('uq_case_rating_current', ['case_id', 'rater_id'], unique=True, sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))

    op.create_table('case_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_case_transition_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['case_review.id'], name=op.f('fk_case_transition_case_id_case_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_transition'))
    )

    with op.batch_alter_table('case_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_transition_case_id'), ['case_id'], unique=False)

    op.create_table('case_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('segment', sa.String(length=16), nullable=True),
    sa.Column('tags', sa.String(length=400), nullable=False),
    sa.Column('info', sa.Text(), nullable=False),
    sa.Column('analysis', sa.Text(), nullable=False),
    sa.Column('discussion', sa.Text(), nullable=False),
    sa.Column('methods', sa.Text(), nullable=False),
    sa.Column('improvements', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('success', 'failure')", name=op.f('ck_case_version_outcome')),
    sa.CheckConstraint("segment IS NULL OR segment IN ('high_potential', 'stable', 'wait_and_see')", name=op.f('ck_case_version_segment')),
    sa.ForeignKeyConstraint(['case_id'], ['case_review.id'], name=op.f('fk_case_version_case_id_case_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_case_version_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_version')),
    sa.UniqueConstraint('case_id', 'number', name='uq_case_version_case_id_number')
    )

    op.create_table('sharing_attendance',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_sharing_attendance_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sharing_session.id'], name=op.f('fk_sharing_attendance_session_id_sharing_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sharing_attendance_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_sharing_attendance'))
    )

    op.create_table('sharing_session_case',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_review.id'], name=op.f('fk_sharing_session_case_case_id_case_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sharing_session.id'], name=op.f('fk_sharing_session_case_session_id_sharing_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'case_id', name=op.f('pk_sharing_session_case'))
    )

    op.create_table('case_search',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('tsv', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_review.id'], name=op.f('fk_case_search_case_id_case_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['case_version.id'], name=op.f('fk_case_search_version_id_case_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_search')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_search_case_id'))
    )

    with op.batch_alter_table('case_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_search_version_id'), ['version_id'], unique=False)

    op.create_table('case_version_clause',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.String(length=16), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['case_version.id'], name=op.f('fk_case_version_clause_version_id_case_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'clause_id', name=op.f('pk_case_version_clause'))
    )

    with op.batch_alter_table('case_version_clause', schema=None) as batch_op:
        batch_op.create_index('ix_case_version_clause_clause', ['clause_id', 'version_id'], unique=False)

    op.create_table('case_version_dimension',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['case_version.id'], name=op.f('fk_case_version_dimension_version_id_case_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'code', name=op.f('pk_case_version_dimension'))
    )

    with op.batch_alter_table('case_version_dimension', schema=None) as batch_op:
        batch_op.create_index('ix_case_version_dimension_code', ['code', 'version_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.create_index('ix_case_search_tsv', 'case_search', ['tsv'], unique=False, postgresql_using='gin')
    else:
        # The contentless FTS5 index over the bigram tokens (SQLite only).
        op.execute(FTS_CREATE_SQL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_case_search_tsv', table_name='case_search', postgresql_using='gin')
    else:
        op.execute(FTS_DROP_SQL)

    with op.batch_alter_table('case_version_dimension', schema=None) as batch_op:
        batch_op.drop_index('ix_case_version_dimension_code')

    op.drop_table('case_version_dimension')

    with op.batch_alter_table('case_version_clause', schema=None) as batch_op:
        batch_op.drop_index('ix_case_version_clause_clause')

    op.drop_table('case_version_clause')

    with op.batch_alter_table('case_search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_search_version_id'))

    op.drop_table('case_search')

    op.drop_table('sharing_session_case')

    op.drop_table('sharing_attendance')

    op.drop_table('case_version')

    with op.batch_alter_table('case_transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_transition_case_id'))

    op.drop_table('case_transition')

    with op.batch_alter_table('case_rating', schema=None) as batch_op:
        batch_op.drop_index('uq_case_rating_current', sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_case_rating_rater_id'))

    op.drop_table('case_rating')

    op.drop_table('sharing_session')

    with op.batch_alter_table('case_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_review_status'))
        batch_op.drop_index(batch_op.f('ix_case_review_first_published_at'))
        batch_op.drop_index(batch_op.f('ix_case_review_author_id'))

    op.drop_table('case_review')
