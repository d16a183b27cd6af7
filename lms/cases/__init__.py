"""Case-review knowledge base (5.4): authoring, review workflow, search, ratings, sharing sessions."""

from lms.cases.views import bp  # noqa: F401
