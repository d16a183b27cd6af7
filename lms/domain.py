"""The one base class of domain errors: a broken business rule, told to the person in Chinese.

Services raise a subclass (`ExamClosed`, `CaseError`, `PersonError` …) with the
message to show and, optionally, the form field it belongs beside. Views turn
it into a field error or a flash message with `lms.forms.show_error`, so the
mapping lives in one place. Pure: no Flask here, services import it freely.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule stopped the action; `str(error)` is the message, `field` the form field or None."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        if field is not None:
            self.field = field

    @property
    def message(self) -> str:
        return str(self)
