"""What single and multiple choice share: options with weights, in YAML and GIFT (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lms.question_bank.normalise import normalise
from lms.question_types import gift_syntax as g
from lms.question_types.base import ErrorReporter, OptionType, chosen_keys, feedback_text, weight_field, yaml_number
from lms.question_types.values import HUNDRED, ONE, WEIGHT_QUANTUM, ZERO, Choice

CHOICE_KEY = re.compile(r"[a-z]")


def positional_key(position: int) -> str:
    """The key an option gets from its place when the bank names none: a, b, c …"""
    return chr(ord("a") + position)


def _choice_keys(raw: list, err: ErrorReporter) -> list[str]:
    """Each option's key: the one written (`key: c`), else the first letter not taken, in bank order.

    An option keeps its key when the bank moves it, so answers already given
    (attempts store keys) keep pointing at the same text after a reorder.
    """
    written: dict[int, str] = {}
    for index, entry in enumerate(raw):
        if isinstance(entry, dict) and "key" in entry:
            key = entry["key"]
            if not isinstance(key, str) or not CHOICE_KEY.fullmatch(key):
                err("choices", f"第 {index + 1} 个选项的 key 应是一个小写字母（a–z）")
                continue
            if key in written.values():
                err("choices", f"选项 key「{key}」重复")
                continue
            written[index] = key
    free = (key for key in map(positional_key, range(26)) if key not in written.values())
    return [written.get(index) or next(free, "?") for index in range(len(raw))]


class ChoiceType(OptionType):
    """Options written in the bank (`choices:`); keys a, b, c … by place unless written (`key:`)."""

    bank_keys = frozenset({"choices"})
    uses_choices = True

    def parse(self, item: Mapping, err: ErrorReporter) -> dict:
        raw = item.get("choices")
        if not isinstance(raw, list) or len(raw) < 2:
            err("choices" if "choices" in item else None, "选择题至少需要 2 个选项 choices")
            return {"choices": ()}
        entries = []
        keys = _choice_keys(raw, err)
        for index, entry in enumerate(raw):
            key = keys[index]
            if isinstance(entry, str | int | float) and not isinstance(entry, bool):
                entries.append((key, str(entry).strip(), False, None, ""))
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str | int | float):
                err(
                    "choices",
                    f"第 {index + 1} 个选项应是文本，或含 text 的映射（key、text、correct、weight、feedback）",
                )
                continue
            unknown = set(entry) - {"key", "text", "correct", "weight", "feedback"}
            if unknown:
                err("choices", f"第 {index + 1} 个选项有未知的键：" + "、".join(map(str, unknown)))
            if not isinstance(entry.get("correct", False), bool):
                err("choices", f"第 {index + 1} 个选项的 correct 应为 true 或 false")
            weight = weight_field(entry["weight"], err, "choices") if "weight" in entry else None
            entries.append(
                (
                    key,
                    str(entry["text"]).strip(),
                    entry.get("correct") is True,
                    weight,
                    feedback_text(entry.get("feedback")),
                )
            )
        if any(not text for _, text, *_ in entries):
            err("choices", "选项文本不能为空")
        texts = [normalise(text) for _, text, *_ in entries]
        if len(set(texts)) != len(texts):
            err("choices", "有两个选项的文本相同")
        self.check_correct_count(sum(1 for entry in entries if entry[2]), len(entries), err)
        return {"choices": tuple(self._with_weights(entries, err))}

    def check_correct_count(self, correct: int, total: int, err: ErrorReporter) -> None:
        """Report a wrong number of correct options."""
        raise NotImplementedError

    def default_wrong_weight(self, n_wrong: int) -> Decimal:
        """The weight of a wrong option written without one."""
        return ZERO

    def weight_agrees(self, correct: bool, weight: Decimal) -> bool:
        """Whether an explicit weight agrees with the option's `correct`."""
        return correct == (weight == HUNDRED)

    def _with_weights(self, entries: list[tuple], err: ErrorReporter) -> list[Choice]:
        """Fill default weights: right options share 100 %, wrong ones `default_wrong_weight`."""
        n_right = sum(1 for entry in entries if entry[2]) or 1
        n_wrong = (len(entries) - n_right) or 1
        choices = []
        for key, text, correct, weight, feedback in entries:
            if weight is None:
                weight = (
                    (HUNDRED / n_right).quantize(WEIGHT_QUANTUM).normalize()
                    if correct
                    else self.default_wrong_weight(n_wrong)
                )
            elif not self.weight_agrees(correct, weight):
                err("choices", f"选项 {key} 的 weight {weight} 与 correct 不一致")
            choices.append(Choice(key=key, text=text, correct=correct, weight=weight, feedback=feedback))
        return choices

    def dump(self, question) -> dict:
        def one(position: int, choice: Choice) -> dict:
            data: dict[str, Any] = {} if choice.key == positional_key(position) else {"key": choice.key}
            data["text"] = choice.text
            if choice.correct:
                data["correct"] = True
            data["weight"] = yaml_number(choice.weight)
            if choice.feedback:
                data["feedback"] = choice.feedback
            return data

        return {"choices": [one(position, choice) for position, choice in enumerate(question.choices)]}

    def gift_read(self, body: str) -> dict | None:
        if body[:1] not in ("=", "~"):
            return None
        tokens = g.answer_tokens(body)
        if all(marker == "=" for marker, _ in tokens):
            return None  # only `=` answers: a short answer
        qtype, choices = read_gift_choices(tokens)
        return {"type": qtype, "choices": choices} if qtype == self.key else None

    def gift_write(self, question) -> list[str]:
        return [
            "~"
            + (g.weight_text(choice.weight) if choice.weight != 0 else "")
            + g.with_feedback(choice.text, choice.feedback)
            for choice in question.choices
        ]

    def fraction(self, response: dict, choices: Mapping, answer: Mapping, partial_credit: bool) -> Decimal:
        chosen = set(chosen_keys(response))
        right = {key for key, (correct, _) in choices.items() if correct}
        return ONE if chosen == right else ZERO


def read_gift_choices(tokens: list[tuple[str, str]]) -> tuple[str, tuple[Choice, ...]]:
    """("single" or "multiple", choices) from GIFT `=`/`~` answers; ValueError if inconsistent.

    Several `=` answers or positive percentages make a multiple-choice question, as in Moodle.
    """
    right_markers = sum(1 for marker, _ in tokens if marker == "=")
    parsed = []
    for marker, token in tokens:
        weight, token = g.weight_of(token.strip())
        text, feedback = g.split_feedback(token)
        if marker == "=" and weight is None:
            weight = HUNDRED
        parsed.append((marker, text, weight if weight is not None else Decimal(0), feedback))
    positive = [entry for entry in parsed if entry[2] > 0]
    multiple = right_markers > 1 or (right_markers == 0 and bool(positive))
    if not positive:
        raise ValueError("选择题没有正确答案（需要 = 或正百分比的选项）")
    if multiple and right_markers > 1:
        share = (HUNDRED / right_markers).quantize(WEIGHT_QUANTUM).normalize()
        parsed = [(m, t, share if m == "=" else w, f) for m, t, w, f in parsed]
    elif multiple and abs(sum(entry[2] for entry in parsed if entry[2] > 0) - HUNDRED) > Decimal("0.01"):
        raise ValueError("多选题中正确选项的百分比之和应为 100%")
    choices = tuple(
        Choice(
            key=chr(ord("a") + index),
            text=text,
            weight=weight,
            feedback=feedback,
            correct=weight > 0 if multiple else weight == HUNDRED,
        )
        for index, (_, text, weight, feedback) in enumerate(parsed)
    )
    if not multiple and sum(1 for choice in choices if choice.correct) != 1:
        raise ValueError("单选题必须恰好有一个 = 正确答案")
    return ("multiple" if multiple else "single"), choices
