"""One dashboard page per role; later features add their panels."""

from lms.dashboard.views import bp  # noqa: F401
