"""Incentive eligibility confirmations and record view log (issue 14, 7–8).

Reserved in the chain so that work in parallel keeps one linear history;
it changes nothing until its feature fills it in. Written by hand.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:40:00

"""

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
