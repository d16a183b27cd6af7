"""Audit entries; employee numbers unique ignoring case.

Sign-in finds a person by lower(employee_no), so uniqueness has to ignore
case as well: a unique index on lower(employee_no), on SQLite and
PostgreSQL alike. The exact-case unique constraint stays (lookups by the
number as written use it). Before building the index the upgrade looks for
numbers that differ only in case and, if there are any, stops and names
them: which row keeps the number is HR's decision, not a migration's.

Written by hand.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _case_duplicates(connection) -> list[list[str]]:
    """Groups of employee numbers that are equal ignoring case."""
    user = sa.table('user', sa.column('employee_no', sa.String))
    key = sa.func.lower(user.c.employee_no)
    keys = sa.select(key).group_by(key).having(sa.func.count() > 1).subquery()
    rows = connection.execute(
        sa.select(key.label('key'), user.c.employee_no).where(key.in_(sa.select(keys.c[0])))
        .order_by(key, user.c.employee_no)
    ).all()
    groups: dict[str, list[str]] = {}
    for row in rows:
        groups.setdefault(row.key, []).append(row.employee_no)
    return list(groups.values())


def upgrade():
    duplicates = _case_duplicates(op.get_bind())
    if duplicates:
        listed = '；'.join('、'.join(group) for group in duplicates)
        raise RuntimeError(
            f'无法升级：以下工号仅大小写不同，登录时会被视为同一工号：{listed}。'
            '请先在人员管理中把其中多余账号的工号改为不同的工号，再运行 lms db upgrade。'
        )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index('uq_user_employee_no_lower', [sa.text('lower(employee_no)')], unique=True)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('object_ref', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_entry_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subject_id'], ['user.id'], name=op.f('fk_audit_entry_subject_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_entry_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_actor_id_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_subject_id_at', ['subject_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_subject_id_at')
        batch_op.drop_index('ix_audit_entry_actor_id_at')
        batch_op.drop_index('ix_audit_entry_action_at')
        batch_op.drop_index('ix_audit_entry_at')
    op.drop_table('audit_entry')
    # IF EXISTS: on SQLite a later batch migration that rebuilds the user table
    # cannot carry an expression index over (SQLite does not reflect them).
    op.execute('DROP INDEX IF EXISTS uq_user_employee_no_lower')
