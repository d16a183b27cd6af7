"""lms: the sales team's learning, assessment and development platform.

Importing `lms` (for a pure loader such as `lms.question_bank.loader`) imports
no Flask: the factory imports it when it builds the app.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from lms.config import DefaultConfig

if TYPE_CHECKING:
    from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app: load configuration, bind extensions, register features."""
    from flask import Flask

    app = Flask(__name__, instance_relative_config=True)
    _load_config(app, test_config)
    _check_production_settings(app)

    from lms import clock, database, errors, extensions, request_policy, security, views
    from lms.observability import setup as observability

    observability.init_app(app)  # first: its hooks time and tag every request, refused ones too

    clock.init_app(app)
    request_policy.init_app(app)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(Path(__file__).parent / "migrations"))
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.limiter.init_app(app)
    with app.app_context():
        database.configure_sqlite(extensions.db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
    database.init_app(app, extensions.db)

    security.init_app(app)
    errors.init_app(app)
    views.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _load_config(app: Flask, test_config: dict | None) -> None:
    """Defaults, then instance/config.py, then LMS_* variables, then test_config."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LMS")
    if test_config:
        app.config.from_mapping(test_config)

    from lms.database import database_uri, engine_options

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        if not app.config["DATABASE_URL"]:
            os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app.config["DATABASE_URL"], app.instance_path)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    app.config.setdefault("CONTENT_DIR", "")
    app.config["CONTENT_DIR"] = app.config["CONTENT_DIR"] or str(REPO_ROOT / "content")
    app.config["QUIZZES_DIR"] = app.config["QUIZZES_DIR"] or str(REPO_ROOT / "quizzes")


def _check_production_settings(app: Flask) -> None:
    """Refuse to serve production traffic with an unset secret key.

    Every worker must sign sessions with the same key, so a random per-process
    key is no fallback: it would sign people out at random. The debug server,
    the tests and CLI commands (`CLI_MODE`) get a fixed development key
    instead; `lms setup` writes a real one to instance/config.py.
    """
    relaxed = app.debug or app.testing or app.config.get("CLI_MODE")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not relaxed
    if app.config["SECRET_KEY"]:
        return
    if not relaxed:
        raise RuntimeError(
            "未设置 LMS_SECRET_KEY：生产模式下拒绝启动。"
            "请为所有 worker 设置同一个随机密钥，例如 "
            "export LMS_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    app.config["SECRET_KEY"] = "dev-only-not-secret"


def _register_blueprints(app: Flask) -> None:
    """Import feature blueprints here, so importing `lms` (or a feature's loader) stays cheap."""
    from lms.audit.views import bp as audit_bp
    from lms.auth.views import bp as auth_bp
    from lms.cases.views import bp as cases_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.courses.views import bp as courses_bp
    from lms.dashboard.views import bp as dashboard_bp
    from lms.exams.manage_views import bp as exam_admin_bp
    from lms.exams.views import bp as exams_bp
    from lms.incentives.views import bp as incentives_bp
    from lms.onboarding.views import bp as onboarding_bp
    from lms.people.views import bp as people_bp
    from lms.performance.views import bp as performance_bp
    from lms.question_bank.views import bp as question_bank_bp
    from lms.suggestions.views import bp as suggestions_bp
    from lms.tracks.team_views import bp as skills_team_bp
    from lms.tracks.views import bp as tracks_bp

    for blueprint in (
        auth_bp,
        dashboard_bp,
        question_bank_bp,
        people_bp,
        courses_bp,
        onboarding_bp,
        cases_bp,
        exams_bp,
        exam_admin_bp,
        audit_bp,
        incentives_bp,
        performance_bp,
        suggestions_bp,
        skills_team_bp,
        tracks_bp,
        certificates_bp,
    ):
        app.register_blueprint(blueprint)


def _register_commands(app: Flask) -> None:
    """Attach the `lms <group> <command>` groups of every feature."""
    from lms.cases.cli import cases_cli
    from lms.commands import dev_cli, setup_command
    from lms.courses.cli import content_cli
    from lms.exams.cli import exams_cli
    from lms.onboarding.cli import onboarding_cli
    from lms.people.cli import users_cli
    from lms.question_bank.cli import quizzes_cli

    for command in (quizzes_cli, content_cli, users_cli, dev_cli, setup_command, onboarding_cli, cases_cli, exams_cli):
        app.cli.add_command(command)
    import lms.performance.cli  # noqa: F401  (adds `lms record import-grades` to the record group)
    from lms.record.cli import record_cli

    app.cli.add_command(record_cli)
    from lms.operations.cli import backup_cli, doctor_command, jobs_cli

    for command in (backup_cli, jobs_cli, doctor_command):
        app.cli.add_command(command)
    from lms.certificates.cli import certificates_cli

    app.cli.add_command(certificates_cli)
