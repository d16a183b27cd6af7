"""`lms cases …`: maintenance of the case knowledge base."""

import click
from flask.cli import AppGroup

from lms.cases import search
from lms.extensions import db

cases_cli = AppGroup("cases", help="案例库维护。")


@cases_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the case search index from the published versions (after an upgrade of the tokenizer)."""
    count = search.rebuild_index(db.session)
    db.session.commit()
    click.echo(f"已重建案例搜索索引：{count} 个已发布案例。")
