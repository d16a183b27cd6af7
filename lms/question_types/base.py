"""The base class of a question type, and the helpers its parsers share (pure: no Flask, no database).

A type is one small class: its key and Chinese label; how it reads and writes
its fields in a bank's YAML (`parse`, `dump`) and in GIFT (`gift_read`,
`gift_write`); the JSON kept in the database (`answer_spec`); how an exam
cleans a submitted answer (`clean`) and grades it (`fraction`); what the rep
sees (`rep_options`, `rep_unit`: never anything about correctness) and what an
authorised reviewer sees (`review`); and its two templates,
`question_types/<key>/take.html` and `review.html`.

Two shapes of question are passed in, and a type only reads the attributes
they share: the loader's frozen `Question` (bank YAML, GIFT) and the database
row `lms.models.Question` (exams, browser). Grading gets plain values
(`response`, `choices` key -> (correct, weight), `answer` spec), as the pure
calculator `lms.exams.scoring` holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from lms.question_bank.normalise import normalise
from lms.question_types.values import (
    HUNDRED,
    ONE,
    ZERO,
    RepOption,
    Review,
    decimal_of,
    format_decimal,
    parse_number,
)

# err(key or None, message): the loader's error reporter, which adds file, line and question id.
ErrorReporter = Callable[[str | None, str], None]
MAX_TEXT = 200
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class InvalidAnswer(ValueError):
    """A submitted or appealed answer this type cannot take; the message is for the person."""


class QuestionType:
    """One question type. Subclasses set the class attributes and override what differs."""

    key: ClassVar[str]
    label: ClassVar[str]
    #: YAML keys this type reads besides the common ones (id, stem, points, clause …).
    bank_keys: ClassVar[frozenset[str]] = frozenset()
    #: GIFT answer blocks are offered to the types in this order; the first that reads one wins.
    gift_order: ClassVar[int] = 100
    #: Options are the question's choices (bank rows `QuestionChoice`).
    uses_choices: ClassVar[bool] = False
    #: Options fixed by the type (key, text), in the order shown; not shuffled.
    fixed_options: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Item analysis needs the `answer` spec (the right key is in it, not in the choices).
    analysis_reads_answer: ClassVar[bool] = False

    @property
    def take_template(self) -> str:
        return f"question_types/{self.key}/take.html"

    @property
    def review_template(self) -> str:
        return f"question_types/{self.key}/review.html"

    @property
    def has_options(self) -> bool:
        """Whether a rep answers by choosing options (else by typing)."""
        return self.uses_choices or bool(self.fixed_options)

    # --- the bank --------------------------------------------------------------------------

    def parse(self, item: Mapping, err: ErrorReporter) -> dict:
        """The type's fields of a loader `Question` from a bank YAML mapping; problems go to `err`."""
        raise NotImplementedError

    def dump(self, question) -> dict:
        """The type's YAML keys for `question`, as `parse` reads them back."""
        raise NotImplementedError

    def answer_spec(self, question) -> dict:
        """The answer as JSON-ready data (the database's `Question.answer` column)."""
        return {}

    # --- GIFT ------------------------------------------------------------------------------

    def gift_read(self, body: str) -> dict | None:
        """The type's fields from a GIFT answer block (placeholders in, see gift_syntax), or None
        if the block is not of this type. ValueError (Chinese message) for a malformed block."""
        return None

    def gift_write(self, question) -> list[str]:
        """The lines inside `{…}` for `question` (escaped, without the general feedback)."""
        raise NotImplementedError

    # --- exams -----------------------------------------------------------------------------

    def option_keys(self, choice_keys: Sequence[str]) -> tuple[str, ...]:
        """The keys a rep may choose from, given the question's active choice keys in bank order."""
        if self.fixed_options:
            return tuple(key for key, _ in self.fixed_options)
        return tuple(choice_keys) if self.uses_choices else ()

    def clean(self, raw: Any, options: Sequence[str]) -> tuple[dict | None, str | None]:
        """(response, None) for a valid submitted value, or (None, message); a None response clears.

        `options` are the option keys of the paper's slot.
        """
        if isinstance(raw, list):
            raw = raw[0] if len(raw) == 1 else None
        if raw is not None and not isinstance(raw, str | int | float):
            return None, "答案格式无效。"
        text = "" if raw is None else str(raw).strip()
        if len(text) > MAX_TEXT:
            return None, f"答案不能超过 {MAX_TEXT} 个字。"
        return ({"text": text} if text else None), None

    def fraction(self, response: dict, choices: Mapping, answer: Mapping, partial_credit: bool) -> Decimal:
        """The share (0–1) of the points `response` earns (exact Decimal)."""
        return ZERO

    def same_response(self, response: dict | None, accepted: Mapping) -> bool:
        """Whether `response` is the answer an appeal decision accepted."""
        if "choices" in accepted:
            return sorted(chosen_keys(response)) == sorted(accepted["choices"])
        return normalise(typed_text(response)) == normalise(str(accepted.get("text", "")))

    def accepted_from_text(self, text: str, choice_keys: Sequence[str]) -> dict:
        """The answer an appeal decision accepts, from what HR typed. InvalidAnswer if unusable."""
        return {"text": text}

    def rep_options(self, texts: Mapping[str, str], order: Sequence[str] | None = None) -> tuple[RepOption, ...]:
        """The options a rep sees: `texts` maps choice key to text, `order` is the paper's order."""
        if self.fixed_options:
            texts = dict(self.fixed_options)
        elif not self.uses_choices:
            return ()
        return tuple(RepOption(key, texts[key]) for key in (texts if order is None else order))

    def option_labels(self, order: Sequence[str]) -> dict[str, str]:
        """key -> the label a paper shows for each option: its place (A, B …) or the fixed option's text.

        Labels follow the paper's order, never the bank key, so they say nothing about correctness.
        """
        fixed = dict(self.fixed_options)
        return {key: fixed.get(key) or LETTERS[index] for index, key in enumerate(order)}

    def rep_unit(self, answer: Mapping | None) -> str:
        """The unit shown after the input (numeric questions)."""
        return ""

    def review(self, correct_keys: Sequence[str], answer: Mapping | None) -> Review:
        """The right answer for an authorised reviewer: `correct_keys` are the correct choices' keys."""
        return Review(correct_keys=tuple(correct_keys))

    def analysis_keys(
        self, choice_keys: Sequence[str], correct_keys: Sequence[str], answer: Mapping | None
    ) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
        """(right keys, option keys to count or None) for item analysis."""
        return tuple(correct_keys), (tuple(choice_keys) or None)


class OptionType(QuestionType):
    """A type answered by choosing among options (single, multiple, true/false)."""

    several: ClassVar[bool] = False  # more than one option may be chosen

    def clean(self, raw: Any, options: Sequence[str]) -> tuple[dict | None, str | None]:
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        values = [str(value) for value in values]
        if any(value not in options for value in values):
            return None, "所选选项不属于这道题。"
        if not self.several and len(values) > 1:
            return None, "这道题只能选一个答案。"
        return ({"choices": sorted(set(values))} if values else None), None

    def accepted_from_text(self, text: str, choice_keys: Sequence[str]) -> dict:
        keys = sorted({part.strip().lower() for part in text.replace("，", ",").split(",") if part.strip()})
        valid = set(self.option_keys(choice_keys))
        if not keys or set(keys) - valid:
            raise InvalidAnswer("选项应写成 a 或 a,c（可用：" + "、".join(sorted(valid)) + "）。")
        return {"choices": keys}


# --- shared by the parsers and graders ------------------------------------------------------


def chosen_keys(response: dict | None) -> list[str]:
    """The option keys of a response ({"choices": [...]})."""
    return [str(key) for key in (response or {}).get("choices", [])]


def typed_text(response: dict | None) -> str:
    """The typed text of a response ({"text": "…"})."""
    return str((response or {}).get("text", ""))


def best_fraction(weights: list[Decimal], partial_credit: bool) -> Decimal:
    """The best matching answer's share: 100 % is full points; less counts only with partial credit."""
    if not weights:
        return ZERO
    best = max(weights)
    if best >= HUNDRED:
        return ONE
    return best / HUNDRED if partial_credit and best > 0 else ZERO


def feedback_text(value: Any) -> str:
    """A feedback or unit scalar as text ("" for anything else)."""
    return str(value).strip() if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


def weight_field(raw: Any, err: ErrorReporter, key: str) -> Decimal | None:
    """A weight in −100…100, or None after reporting it."""
    weight = decimal_of(raw)
    if weight is None or not -HUNDRED <= weight <= HUNDRED:
        err(key, f"权重 weight 应在 -100 到 100 之间（现为 {raw!r}）")
        return None
    return weight


def yaml_number(value: Decimal) -> int | float:
    """Integral values as YAML integers, others as floats that read back exactly."""
    text = format_decimal(value)
    return int(text) if text.lstrip("-").isdigit() else float(text)


__all__ = ["ErrorReporter", "InvalidAnswer", "OptionType", "QuestionType", "parse_number"]
