"""Trusting a reverse proxy's X-Forwarded-* headers, and only as far as configured."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the app in ProxyFix when TRUSTED_PROXIES (the number of proxies in front of it) is above 0.

    With 0 nothing is wrapped: X-Forwarded-For, -Proto, -Host, -Port and -Prefix are ignored, so a
    client cannot pick the address that sign-in throttling and /metrics look at. With N, the Nth
    value from the right of each header is believed (the one the outermost trusted proxy wrote).
    """
    count = app.config["TRUSTED_PROXIES"]
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = -1
    if count < 0:
        raise RuntimeError(
            f"TRUSTED_PROXIES 应为 0 或正整数（应用前面反向代理的层数），现为 {app.config['TRUSTED_PROXIES']!r}"
        )
    app.config["TRUSTED_PROXIES"] = count
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count)
