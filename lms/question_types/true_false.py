"""判断题: the fixed options 正确 / 错误, with feedback for a right and a wrong answer."""

from __future__ import annotations

import re

from lms.question_types import gift_syntax as g
from lms.question_types.base import OptionType, chosen_keys, feedback_text
from lms.question_types.values import ONE, ZERO, Review

_GIFT = re.compile(r"^(T|F|TRUE|FALSE)(?:#([^#]*))?(?:#([^#]*))?$", re.IGNORECASE)


def _key(answer) -> str:
    return "true" if (answer or {}).get("truth") else "false"


class TrueFalse(OptionType):
    key = "true_false"
    label = "判断题"
    bank_keys = frozenset({"answer", "feedback"})
    gift_order = 20
    fixed_options = (("true", "正确"), ("false", "错误"))
    analysis_reads_answer = True

    def parse(self, item, err):
        if not isinstance(item.get("answer"), bool):
            err("answer" if "answer" in item else None, "判断题的 answer 应为 true 或 false")
        feedback = item.get("feedback") or {}
        if not isinstance(feedback, dict) or set(feedback) - {"right", "wrong"}:
            err("feedback", "判断题的 feedback 应写成 {right: 答对时的反馈, wrong: 答错时的反馈}")
            feedback = {}
        return {
            "truth": item.get("answer") is True,
            "feedback_right": feedback_text(feedback.get("right")),
            "feedback_wrong": feedback_text(feedback.get("wrong")),
        }

    def dump(self, question):
        data = {"answer": bool(question.truth)}
        feedback = {k: v for k, v in (("right", question.feedback_right), ("wrong", question.feedback_wrong)) if v}
        if feedback:
            data["feedback"] = feedback
        return data

    def answer_spec(self, question):
        return {
            "truth": question.truth,
            "feedback_right": question.feedback_right,
            "feedback_wrong": question.feedback_wrong,
        }

    def gift_read(self, body):
        match = _GIFT.match(body)
        if not match:
            return None
        # GIFT writes the feedback for a wrong answer first.
        return {
            "type": self.key,
            "truth": match.group(1).upper().startswith("T"),
            "feedback_wrong": g.restore(match.group(2) or ""),
            "feedback_right": g.restore(match.group(3) or ""),
        }

    def gift_write(self, question):
        line = "TRUE" if question.truth else "FALSE"
        if question.feedback_wrong or question.feedback_right:
            line += f"#{g.escape(question.feedback_wrong)}"
        if question.feedback_right:
            line += f"#{g.escape(question.feedback_right)}"
        return [line]

    def fraction(self, response, choices, answer, partial_credit):
        return ONE if chosen_keys(response) == [_key(answer)] else ZERO

    def review(self, correct_keys, answer):
        return Review(correct_keys=(_key(answer),))

    def analysis_keys(self, choice_keys, correct_keys, answer):
        return (_key(answer),), self.option_keys(())
