"""People: HR's staff records, CSV import, and profiles."""

from lms.people.views import bp  # noqa: F401
