"""The question-type registry: every type defined once, in one module (pure: no Flask, no database).

Each type (`single`, `multiple`, `true_false`, `short`, `numeric`) is a
`QuestionType` subclass in its own module: how it reads and writes the bank's
YAML and GIFT, cleans and grades an answer, what a rep sees and what a
reviewer sees; its templates are `templates/question_types/<key>/take.html`
and `review.html`. The loader, GIFT, sync, browser, exams, appeals, results
and item analysis ask this registry instead of branching on type names.

Adding a type: write its module (a `QuestionType` subclass), list it in
`_TYPES` below (or `register` it), and add its two templates.
"""

from __future__ import annotations

from lms.question_types.base import InvalidAnswer, OptionType, QuestionType
from lms.question_types.multiple import MultipleChoice
from lms.question_types.numeric import Numeric
from lms.question_types.short import ShortAnswer
from lms.question_types.single import SingleChoice
from lms.question_types.true_false import TrueFalse
from lms.question_types.values import RepOption, Review

_TYPES: tuple[QuestionType, ...] = (SingleChoice(), MultipleChoice(), TrueFalse(), ShortAnswer(), Numeric())
REGISTRY: dict[str, QuestionType] = {kind.key: kind for kind in _TYPES}
#: key -> Chinese label, in the order the bank's documentation lists them.
QUESTION_TYPES: dict[str, str] = {kind.key: kind.label for kind in _TYPES}


class UnknownType(KeyError):
    """A type key no module defines."""


def get(key: str) -> QuestionType:
    """The type `key`; UnknownType if there is none."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise UnknownType(key) from None


def find(key: str | None) -> QuestionType | None:
    """The type `key`, or None."""
    return REGISTRY.get(key or "")


def all_types() -> tuple[QuestionType, ...]:
    """Every type, in listing order."""
    return tuple(REGISTRY.values())


def register(kind: QuestionType) -> QuestionType:
    """Add (or replace) a type: everything that asks the registry knows it from now on."""
    REGISTRY[kind.key] = kind
    QUESTION_TYPES[kind.key] = kind.label
    return kind


def label(key: str) -> str:
    """The Chinese label of `key` (the key itself for an unknown type)."""
    kind = REGISTRY.get(key)
    return kind.label if kind else key


def keys_where(test) -> tuple[str, ...]:
    """The keys of the types for which `test(type)` holds (for SQL filters such as `type IN (…)`)."""
    return tuple(kind.key for kind in REGISTRY.values() if test(kind))


def gift_readers() -> list[QuestionType]:
    """The types in the order they are offered a GIFT answer block."""
    return sorted(REGISTRY.values(), key=lambda kind: kind.gift_order)


__all__ = [
    "QUESTION_TYPES",
    "REGISTRY",
    "InvalidAnswer",
    "OptionType",
    "QuestionType",
    "RepOption",
    "Review",
    "UnknownType",
    "all_types",
    "find",
    "get",
    "gift_readers",
    "keys_where",
    "label",
    "register",
]
