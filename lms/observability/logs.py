"""JSON log lines, the request id, and one log line per request.

Every record (the app's, Flask-Limiter's, SQLAlchemy's warnings) goes to stderr as one JSON object
per line, so journald, Docker or a log shipper can index it without parsing text. Inside a request
each line carries the request's id, which also goes back to the client as ``X-Request-ID``: a person
reporting a problem can quote it, and it finds every line that request wrote on whichever node.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may hand on as the request id (nginx's $request_id is 32 hex digits): letters, digits
# and ._:- only, so a forged header can neither break a JSON line nor smuggle text into it.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
REQUEST_LOGGER = "lms.request"

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged as a field.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ms), level, logger, message, request_id and any `extra` fields."""

    # Log times are the moment an event happened on this machine, not a business time (lms.clock): UTC always.
    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever sys.stderr is when a record is emitted.

    gunicorn, pytest and the CLI all swap sys.stderr; a handler holding the stream it saw at start-up
    would write into a closed file after the swap.
    """

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass  # always the current sys.stderr


def install_json_logging(app: Flask) -> None:
    """Send every log record to stderr as JSON (once per process), at LOG_LEVEL for lms's own loggers.

    LOG_LEVEL stays WARNING by default, as before JSON logs, so commands print what they printed;
    the request lines (LOG_REQUESTS) are INFO records of their own logger.
    """
    root = logging.getLogger()
    if not any(isinstance(handler, StderrHandler) for handler in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)  # our root handler writes the app's records already
    logging.getLogger("lms").setLevel(app.config["LOG_LEVEL"])
    # The per-request line is the access log: written whatever level the rest of lms logs at.
    logging.getLogger(REQUEST_LOGGER).setLevel(logging.INFO if app.config["LOG_REQUESTS"] else logging.WARNING)


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def _request_id_for(trust_proxy: bool) -> str:
    """The proxy's X-Request-ID when a proxy is trusted and the id is sane, else a new one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "") if trust_proxy else ""
    return incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _signed_in_user_id() -> int | None:
    """The signed-in person's id if this request loaded them; never loads a user just to log it."""
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded for this request
    if user is not None and getattr(user, "is_authenticated", False):
        return getattr(user, "id", None)
    return None


def _logged_path() -> str:
    """The request path, with the URL rule instead when a path part is a secret (a reset token)."""
    if request.view_args and any("token" in name for name in request.view_args) and request.url_rule:
        return request.url_rule.rule
    return request.path


def init_app(app: Flask, on_request_done) -> None:
    """Give every request an id (also sent back as X-Request-ID) and write one log line when it ends.

    `on_request_done(endpoint, method, status, seconds)` is called for each finished request (metrics).
    Registered first, so it times the whole request and still sees requests other hooks refuse.
    """
    trust_proxy = int(app.config["TRUSTED_PROXIES"]) > 0
    logger = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start_request():
        g.request_started = time.perf_counter()
        g.request_id = _request_id_for(trust_proxy)

    @app.after_request
    def _finish_request(response):
        request_id = g.get("request_id") or _request_id_for(trust_proxy)
        response.headers[REQUEST_ID_HEADER] = request_id
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        endpoint = request.endpoint or "unmatched"
        on_request_done(endpoint, request.method, response.status_code, seconds)
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s",
            request.method,
            _logged_path(),
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": _logged_path(),
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "user_id": _signed_in_user_id(),
                "remote_addr": request.remote_addr,
            },
        )
        return response
