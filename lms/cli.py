"""The `lms` console script: a Flask CLI group over `create_app`.

Every operation is `lms <group> <command>`; `lms run` serves (development
server) and `lms db upgrade` applies the migrations.
"""

from flask.cli import FlaskGroup

from lms import create_app


def _create_cli_app():
    # CLI_MODE lets commands run before a secret key exists (`lms setup` writes one).
    return create_app({"CLI_MODE": True})


cli = FlaskGroup(create_app=_create_cli_app, help="销售团队学习平台 lms 的命令行。")


def main() -> None:
    """Entry point of the `lms` console script."""
    cli(prog_name="lms")
