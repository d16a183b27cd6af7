"""The course built from the guide: reading, progress and search."""

from lms.courses.views import bp  # noqa: F401
