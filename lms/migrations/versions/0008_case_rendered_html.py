"""Case versions keep their sanitised HTML, rendered once when saved.

Adds case_version.rendered_html (JSON: part name -> sanitised HTML) and
renders every version saved before, with the app's one Markdown and
sanitiser (lms.markdown), so that reading a case never runs Markdown.

Written by hand.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

PARTS = ('info', 'analysis', 'discussion', 'methods', 'improvements')


def upgrade():
    with op.batch_alter_table('case_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rendered_html', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    """Render the parts of every existing version, a few hundred rows at a time."""
    from lms.markdown import render_user_markdown

    version = sa.table('case_version', sa.column('id', sa.Integer), sa.column('rendered_html', sa.JSON),
                       *(sa.column(name, sa.Text) for name in PARTS))
    last_id = 0
    while True:
        rows = connection.execute(sa.select(version.c.id, *(version.c[name] for name in PARTS))
                                  .where(version.c.id > last_id).order_by(version.c.id).limit(500)).all()
        if not rows:
            return
        connection.execute(
            version.update().where(version.c.id == sa.bindparam('version_id')),
            [{'version_id': row.id, 'rendered_html': {
                name: str(render_user_markdown(text)) for name in PARTS if (text := row._mapping[name])}}
             for row in rows],
        )
        last_id = rows[-1].id


def downgrade():
    with op.batch_alter_table('case_version', schema=None) as batch_op:
        batch_op.drop_column('rendered_html')
