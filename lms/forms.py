"""Form helpers shared by every feature."""

from flask import flash
from wtforms import SelectChoice

from lms.domain import DomainError


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated since WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def show_error(form, error: DomainError) -> None:
    """Put a domain error beside its form field, or flash it when it names none (or no such field)."""
    field = form[error.field] if form is not None and error.field and error.field in form else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")
