"""Domain errors of the exam services; views turn them into Chinese messages."""

from lms.domain import DomainError


class ExamError(DomainError):
    """A rule of the exam stopped the action; `str(error)` is the message for the person."""

    status = 409


class NotEligible(ExamError):
    status = 404


class ExamNotOpen(ExamError):
    pass


class ExamClosed(ExamError):
    pass


class AttemptLimitReached(ExamError):
    pass


class AttemptFinished(ExamError):
    """The attempt no longer takes answers (submitted, or past its deadline plus grace)."""


class UnknownQuestion(ExamError):
    """An answer names a question that is not on this attempt's paper."""

    status = 400


class AppealError(ExamError):
    """An appeal rule was broken (window passed, question not on the paper, reason too short …)."""
