"""Wiring: proxy trust, JSON logs with request ids, metrics, and a loud note when throttling loses Redis."""

from __future__ import annotations

import logging

from flask import Flask

LIMITER_LOGGER = "flask-limiter"


class _StorageFallbackAlarm(logging.Filter):
    """Turn Flask-Limiter's "falling back to in-memory storage" warning into an error that says what it means."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "falling back to in-memory" in record.getMessage():
            from lms.observability.metrics import RATELIMIT_FALLBACKS

            RATELIMIT_FALLBACKS.inc()
            record.levelno, record.levelname = logging.ERROR, "ERROR"
            record.msg = (
                "限流存储（Redis）无法连接：登录限流改用本进程内存计数，各节点、各 worker 不再共享计数，"
                "请尽快恢复 Redis（Rate limit storage unreachable, falling back to in-memory storage）"
            )
            record.args = ()
        elif "storage recovered" in record.getMessage():
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "限流存储（Redis）已恢复，登录限流重新在各节点间共享计数", ()
        return True


def init_app(app: Flask) -> None:
    """Call first in create_app, so the request hooks time and tag every request (see logs.init_app)."""
    from lms.observability import logs, metrics, proxy

    proxy.init_app(app)
    if app.config["LOG_FORMAT"] == "json":
        logs.install_json_logging(app)
    limiter_logger = logging.getLogger(LIMITER_LOGGER)
    if not any(isinstance(existing, _StorageFallbackAlarm) for existing in limiter_logger.filters):
        limiter_logger.addFilter(_StorageFallbackAlarm())
    limiter_logger.setLevel(logging.INFO)
    logs.init_app(app, metrics.observe_request)
    metrics.init_app(app)
