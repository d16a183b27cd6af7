"""First-month onboarding (5.1(3)): the program, progress, team views and reminders."""

from lms.onboarding.views import bp  # noqa: F401
