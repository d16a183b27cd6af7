"""Operations: scheduled job runs and leases, backups (issue 15).

Three new tables, nothing changed in existing ones: `job_lease` (one row per
scheduled job: next due time and the current lease, claimed with a
conditional UPDATE), `job_run` (the history of runs) and `backup_record`
(finished backups, so every node knows the last one's age). Written by hand.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_lease',
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('leased_until', sa.DateTime(), nullable=True),
    sa.Column('lease_token', sa.String(length=64), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('job', name=op.f('pk_job_lease')),
    )
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('node', sa.String(length=128), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run')),
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index('ix_job_run_job_started_at', ['job', 'started_at'], unique=False)

    op.create_table('backup_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('dialect', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.String(length=32), nullable=True),
    sa.Column('ledger_count', sa.Integer(), nullable=False),
    sa.Column('ledger_head', sa.String(length=64), nullable=False),
    sa.Column('node', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_record')),
    )
    with op.batch_alter_table('backup_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_backup_record_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('backup_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_backup_record_created_at'))
    op.drop_table('backup_record')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index('ix_job_run_job_started_at')
    op.drop_table('job_run')
    op.drop_table('job_lease')
