"""单选题: exactly one right option."""

from __future__ import annotations

from lms.question_types import gift_syntax as g
from lms.question_types.choices import ChoiceType


class SingleChoice(ChoiceType):
    key = "single"
    label = "单选题"
    gift_order = 50

    def check_correct_count(self, correct, total, err):
        if correct != 1:
            err("choices", f"单选题必须恰好有 1 个正确选项（现有 {correct} 个）")

    def gift_write(self, question) -> list[str]:
        # The right option is `=`; the others keep their partial-credit percentages, if any.
        return [
            "=" + g.with_feedback(choice.text, choice.feedback)
            if choice.correct
            else "~"
            + (g.weight_text(choice.weight) if choice.weight != 0 else "")
            + g.with_feedback(choice.text, choice.feedback)
            for choice in question.choices
        ]
