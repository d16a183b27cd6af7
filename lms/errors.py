"""Friendly Chinese error pages (and JSON errors for JSON requests)."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sqlalchemy_errors
from werkzeug.exceptions import HTTPException

from lms.clock import CalendarUnknown

MESSAGES = {
    400: ("请求无效", "提交的内容无法处理。如果页面停留过久，请刷新后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("没有权限", "您的角色无权访问此页面。如需权限，请联系人力资源部或系统管理员。"),
    404: ("页面不存在", "您要找的页面不存在，或您无权查看。"),
    405: ("操作不允许", "此页面不支持该操作。"),
    413: ("文件过大", "上传的内容超过了大小限制，请拆分后重试。"),
    429: ("尝试过于频繁", "尝试次数过多，请稍后再试。"),
    500: ("服务器出错", "服务器处理时出现问题，已记录。请稍后重试。"),
    503: ("暂时无法处理", "服务暂时无法完成此操作，请稍后重试。"),
}
DATABASE_UNAVAILABLE = (
    "数据库暂时无法连接，本次操作没有完成，请稍后重试。已经保存成功的内容不会丢失；考试页面会自动重试保存答案。"
)
# Lost or refused connections (a PostgreSQL restart, pg_terminate_backend, a full pool, SQLite's
# "database is locked" after its busy timeout): temporary, so 503 and try again, never a 500.
UNAVAILABLE_ERRORS = (
    sqlalchemy_errors.OperationalError,
    sqlalchemy_errors.InterfaceError,
    sqlalchemy_errors.TimeoutError,
)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    """Render the error page (or JSON body) for an HTTP status code."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    message = detail or message
    if _wants_json():
        return jsonify(error=title, message=message), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    """Register the handlers for every HTTP error and for CSRF failures."""

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_error(400, "表单已过期或缺少安全令牌（CSRF），请刷新页面后重新提交。")

    @app.errorhandler(CalendarUnknown)
    def _calendar_unknown(error):
        # A working-day count reached a year nobody configured: say so (503), never guess Monday to Friday.
        app.logger.error("working-day calendar: %s", error)
        return render_error(503, str(error))

    def _database_unavailable(error):
        from lms.extensions import db
        from lms.observability.metrics import DATABASE_UNAVAILABLE as UNAVAILABLE_COUNT

        UNAVAILABLE_COUNT.inc()
        # One line, no traceback: during a restart every request lands here.
        app.logger.error("database unavailable: %s", str(error).splitlines()[0][:300])
        try:
            db.session.rollback()
        except Exception:  # the connection is gone: the session is discarded at teardown anyway
            app.logger.debug("rollback after a lost connection failed", exc_info=True)
        response, code = render_error(503, DATABASE_UNAVAILABLE)
        response = app.make_response((response, code))
        response.headers["Retry-After"] = "2"
        return response

    for unavailable in UNAVAILABLE_ERRORS:
        app.register_error_handler(unavailable, _database_unavailable)

    @app.errorhandler(HTTPException)
    def _http_error(error):
        # Unhandled exceptions arrive here as InternalServerError (500);
        # in testing Flask re-raises them instead, so tests see the traceback.
        return render_error(error.code or 500)
