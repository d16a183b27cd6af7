"""Skill tracks: synced cells, level quizzes, practical assessments, achieved levels (issue 13).

Reserved in the chain so that work in parallel keeps one linear history;
it changes nothing until its feature fills it in. Written by hand.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:40:00

"""

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
