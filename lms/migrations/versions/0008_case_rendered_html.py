"""Case versions keep their sanitised HTML, rendered once when saved.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
