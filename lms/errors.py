"""Friendly Chinese error pages (and JSON errors for JSON requests)."""

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
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

    @app.errorhandler(HTTPException)
    def _http_error(error):
        # Unhandled exceptions arrive here as InternalServerError (500);
        # in testing Flask re-raises them instead, so tests see the traceback.
        return render_error(error.code or 500)
