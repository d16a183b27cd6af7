"""The development-incentive record: the append-only, hash-chained ledger and its checkpoints (issue 14, 1).

`record_entry` gets triggers that refuse UPDATE and DELETE: on PostgreSQL a
plpgsql function raising an exception (TRUNCATE refused too), on SQLite
BEFORE triggers with RAISE(ABORT). The statements are copied from
lms/models/record.py, which installs the same ones under `create_all`; a
migration keeps its own copy so that it stays what it was when applied.
tests/record/test_append_only.py checks them on an upgraded database.

Written by hand.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

POSTGRESQL_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION record_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING ERRCODE = 'restrict_violation', "
    "MESSAGE = '发展激励档案只能追加：拒绝 ' || TG_OP || '（record_entry is append-only）'; END $$",
    "CREATE TRIGGER record_entry_no_change BEFORE UPDATE OR DELETE ON record_entry "
    "FOR EACH ROW EXECUTE FUNCTION record_entry_refuse_change()",
    "CREATE TRIGGER record_entry_no_truncate BEFORE TRUNCATE ON record_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION record_entry_refuse_change()",
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER record_entry_no_update BEFORE UPDATE ON record_entry BEGIN "
    "SELECT RAISE(ABORT, '发展激励档案只能追加：拒绝 UPDATE（record_entry is append-only）'); END",
    "CREATE TRIGGER record_entry_no_delete BEFORE DELETE ON record_entry BEGIN "
    "SELECT RAISE(ABORT, '发展激励档案只能追加：拒绝 DELETE（record_entry is append-only）'); END",
)


def upgrade():
    op.create_table('record_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=96), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('supersedes_seq', sa.Integer(), nullable=True),
    sa.Column('backfilled', sa.Boolean(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_record_entry_seq_positive')),
    sa.CheckConstraint('supersedes_seq < seq', name=op.f('ck_record_entry_supersedes_earlier')),
    sa.ForeignKeyConstraint(['subject_id'], ['user.id'], name=op.f('fk_record_entry_subject_id_user')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_record_entry_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['supersedes_seq'], ['record_entry.seq'],
                            name=op.f('fk_record_entry_supersedes_seq_record_entry')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_record_entry')),
    sa.UniqueConstraint('prev_hash', name=op.f('uq_record_entry_prev_hash')),
    sa.UniqueConstraint('hash', name=op.f('uq_record_entry_hash')),
    )
    with op.batch_alter_table('record_entry', schema=None) as batch_op:
        batch_op.create_index('ix_record_entry_subject_id_occurred_at', ['subject_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_record_entry_kind_occurred_at', ['kind', 'occurred_at'], unique=False)
        batch_op.create_index('ix_record_entry_source', ['source'], unique=False)
        batch_op.create_index('ix_record_entry_supersedes_seq', ['supersedes_seq'], unique=False)

    op.create_table('record_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_checkpoint')),
    )

    # After the indexes: SQLite's batch mode may rebuild a table, and a rebuilt table loses its triggers.
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == 'postgresql' else SQLITE_TRIGGERS if dialect == 'sqlite' else ():
        op.execute(statement)


def downgrade():
    # Dropping the table drops its triggers; the PostgreSQL function goes with it.
    op.drop_table('record_checkpoint')
    with op.batch_alter_table('record_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_record_entry_supersedes_seq')
        batch_op.drop_index('ix_record_entry_source')
        batch_op.drop_index('ix_record_entry_kind_occurred_at')
        batch_op.drop_index('ix_record_entry_subject_id_occurred_at')
    op.drop_table('record_entry')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS record_entry_refuse_change()")
