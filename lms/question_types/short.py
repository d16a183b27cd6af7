"""填空题: typed text compared after `normalise`; `*` in an accepted answer stands for any characters
(Moodle's wildcard), and answers below 100 % count only with partial credit."""

from __future__ import annotations

import re
from dataclasses import asdict
from decimal import Decimal
from functools import lru_cache

from lms.question_bank.normalise import normalise
from lms.question_types import gift_syntax as g
from lms.question_types.base import QuestionType, best_fraction, feedback_text, typed_text, weight_field, yaml_number
from lms.question_types.values import HUNDRED, Review, TextAnswer, jsonable


@lru_cache(maxsize=4096)
def _pattern(accepted: str) -> re.Pattern | None:
    """A wildcard answer as a regular expression over normalised text; None without `*`."""
    folded = normalise(accepted)
    if "*" not in folded:
        return None
    return re.compile(".*".join(re.escape(part) for part in folded.split("*")), re.DOTALL)


def matches(accepted: str, given: str) -> bool:
    """Whether the typed text `given` is the accepted answer (both normalised; `*` is any characters)."""
    pattern = _pattern(accepted)
    folded = normalise(given)
    return pattern.fullmatch(folded) is not None if pattern else normalise(accepted) == folded


class ShortAnswer(QuestionType):
    key = "short"
    label = "填空题"
    bank_keys = frozenset({"answers"})
    gift_order = 30

    def parse(self, item, err):
        raw = item.get("answers")
        if not isinstance(raw, list) or not raw:
            err("answers" if "answers" in item else None, "填空题至少需要 1 个可接受答案 answers")
            return {"accepted": ()}
        accepted = []
        for index, entry in enumerate(raw):
            if isinstance(entry, str | int | float) and not isinstance(entry, bool) and str(entry).strip():
                accepted.append(TextAnswer(text=str(entry).strip()))
            elif (
                isinstance(entry, dict)
                and str(entry.get("text", "")).strip()
                and not set(entry) - {"text", "weight", "feedback"}
            ):
                weight = weight_field(entry.get("weight", 100), err, "answers")
                accepted.append(
                    TextAnswer(
                        str(entry["text"]).strip(),
                        HUNDRED if weight is None else weight,
                        feedback_text(entry.get("feedback")),
                    )
                )
            else:
                err("answers", f"第 {index + 1} 个答案应是非空文本，或含 text 的映射（text、weight、feedback）")
        folded = [normalise(answer.text) for answer in accepted]
        if len(set(folded)) != len(folded):
            err("answers", "有两个答案在规范化（全/半角、大小写、空格、简繁）后相同")
        if accepted and not any(answer.weight == HUNDRED for answer in accepted):
            err("answers", "至少要有一个满分（weight 100）答案")
        return {"accepted": tuple(accepted)}

    def dump(self, question):
        return {
            "answers": [
                answer.text
                if answer.weight == HUNDRED and not answer.feedback
                else {
                    k: v
                    for k, v in (
                        ("text", answer.text),
                        ("weight", yaml_number(answer.weight)),
                        ("feedback", answer.feedback),
                    )
                    if v != ""
                }
                for answer in question.accepted
            ]
        }

    def answer_spec(self, question):
        return {"accepted": [jsonable(asdict(answer)) for answer in question.accepted]}

    def gift_read(self, body):
        tokens = g.answer_tokens(body)
        if body[:1] != "=" or not all(marker == "=" for marker, _ in tokens):
            return None
        accepted = []
        for _, token in tokens:
            weight, token = g.weight_of(token.strip())
            text, feedback = g.split_feedback(token)
            accepted.append(TextAnswer(text, HUNDRED if weight is None else weight, feedback))
        return {"type": self.key, "accepted": tuple(accepted)}

    def gift_write(self, question):
        return [
            ("=" if a.weight == HUNDRED else "=" + g.weight_text(a.weight)) + g.with_feedback(a.text, a.feedback)
            for a in question.accepted
        ]

    def fraction(self, response, choices, answer, partial_credit):
        given = typed_text(response)
        weights = [Decimal(str(a["weight"])) for a in answer.get("accepted", []) if matches(a["text"], given)]
        return best_fraction(weights, partial_credit)

    def review(self, correct_keys, answer):
        return Review(accepted=tuple(a["text"] for a in (answer or {}).get("accepted", [])))
