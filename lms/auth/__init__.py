"""Sign-in, sign-out and passwords."""

from lms.auth.views import bp  # noqa: F401
