"""Onboarding applies from a configured start date; HR can exempt a person.

The start date is configuration (ONBOARDING_APPLIES_FROM); the exemption is
two columns on the person: the flag, and HR's reason for it. Existing people
start not exempt (server default false), so the column is added non-null in
one step without a backfill.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not batch mode: on SQLite a batch with an expression default rebuilds the
    # user table, and dropping the old one (foreign keys on) cascades into user_role, user_session …
    # and loses the lower(employee_no) index of 0007. SQLite adds (and drops, 3.35+) columns in place.
    op.add_column('user', sa.Column('onboarding_exempt', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('user', sa.Column('onboarding_exempt_reason', sa.String(length=200), nullable=True))


def downgrade():
    op.drop_column('user', 'onboarding_exempt_reason')
    op.drop_column('user', 'onboarding_exempt')
