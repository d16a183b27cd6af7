"""HR's performance grades, 7.4 follow-up, suggestions and awards (issue 14, 3–5).

Reserved in the chain so that work in parallel keeps one linear history;
it changes nothing until its feature fills it in. Written by hand.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:40:00

"""

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
