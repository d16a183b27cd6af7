"""Development-incentive record: facts backfilled from data older than the ledger (issue 14, 2).

Reserved in the chain so that work in parallel keeps one linear history;
it changes nothing until its feature fills it in. Written by hand.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:40:00

"""

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
