"""Skill certificates: issued certificates and their revocations (issue 13, 7).

Reserved in the chain so that work in parallel keeps one linear history;
it changes nothing until its feature fills it in. Written by hand.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:40:00

"""

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
