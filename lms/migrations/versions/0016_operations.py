"""Operations: scheduled job runs and leases, backups (issue 15).

Reserved in the chain so that work in parallel keeps one linear history;
it changes nothing until its feature fills it in. Written by hand.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 22:40:00

"""

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
