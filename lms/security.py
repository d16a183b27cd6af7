"""Response headers that every page gets (CSP, framing, sniffing)."""

from functools import lru_cache

from flask import Flask, session
from flask_wtf.csrf import generate_csrf

# No inline script or style anywhere: all of it lives in /static.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def csrf_token() -> str:
    """The session's signed CSRF token for a page, signed once per session and worker.

    Flask-WTF signs the session's raw token afresh for every request (JSON,
    zlib and an HMAC: a visible share of a light page). Any signature of the
    same raw token is valid, and WTF_CSRF_TIME_LIMIT is None, so reusing one
    changes nothing for validation; a new session has a new raw token.
    """
    raw = session.get("csrf_token")
    return _signed(raw) if raw else generate_csrf()


@lru_cache(maxsize=4096)
def _signed(_raw: str) -> str:
    return generate_csrf()  # signs session["csrf_token"], which is _raw


def init_app(app: Flask) -> None:
    """Register the security headers and the templates' cached csrf_token()."""
    if app.config.get("WTF_CSRF_TIME_LIMIT") is None:  # a reused signature must not expire

        @app.context_processor
        def _csrf_token():
            return {"csrf_token": csrf_token}

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if "_user_id" in session:
            # A signed-in page must not come back from the browser's cache
            # (Back after sign-out would show it again).
            headers["Cache-Control"] = "no-store"
        return response
