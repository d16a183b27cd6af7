"""Question bank (issue 5) and, later, quarterly exams: loader, GIFT, sync, check and browser."""

from lms.exams.views import bp  # noqa: F401
