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
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('onboarding_exempt', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('onboarding_exempt_reason', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('onboarding_exempt_reason')
        batch_op.drop_column('onboarding_exempt')
