"""The request's side of an audit entry: views call `request_origin()` and pass the value on."""

from __future__ import annotations

from flask import request

from lms.audit.service import Origin


def request_origin() -> Origin:
    """The client address (as the deployment's proxy set-up reports it) and browser of this request."""
    return Origin(remote_addr=request.remote_addr, user_agent=request.user_agent.string or None)
