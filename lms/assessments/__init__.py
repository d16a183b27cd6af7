"""Quarterly exams (issue 6): definitions, papers, attempts, grading, results, remediation, analysis, appeals."""

from lms.assessments.manage_views import bp as manage_bp  # noqa: F401
from lms.assessments.views import bp  # noqa: F401
