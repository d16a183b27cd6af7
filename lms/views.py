"""App-wide routes: the health check and the front door."""

from flask import Flask, jsonify, redirect, url_for
from sqlalchemy import text

from lms.extensions import db, limiter
from lms.models import ROLE_LABELS
from lms.navigation import layout_url, nav_items


def init_app(app: Flask) -> None:
    """Register `/healthz`, `/` and the navigation helper for templates."""
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["layout_url"] = layout_url
    app.jinja_env.globals["role_labels"] = ROLE_LABELS

    @app.get("/healthz")
    @limiter.exempt
    def healthz():
        """For load balancers: 200 when the database answers, 503 otherwise."""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy"
            app.logger.exception("health check failed")
            # Give the broken connection back now: the teardown would otherwise try it again and raise.
            db.session.rollback()
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok")

    @app.get("/")
    def index():
        return redirect(url_for("dashboard.home"))
