"""多选题: one or more right options; the right set earns full points, or weights add up with partial credit."""

from __future__ import annotations

from decimal import Decimal

from lms.question_types.base import chosen_keys
from lms.question_types.choices import ChoiceType
from lms.question_types.values import HUNDRED, ONE, WEIGHT_QUANTUM, ZERO


class MultipleChoice(ChoiceType):
    key = "multiple"
    label = "多选题"
    gift_order = 40
    several = True

    def check_correct_count(self, correct, total, err):
        if correct < 1 or correct == total:
            err("choices", f"多选题至少要有 1 个正确选项和 1 个错误选项（现有正确 {correct} 个，共 {total} 个）")

    def default_wrong_weight(self, n_wrong: int) -> Decimal:
        return (-HUNDRED / n_wrong).quantize(WEIGHT_QUANTUM).normalize()

    def weight_agrees(self, correct: bool, weight: Decimal) -> bool:
        return correct == (weight > 0)

    def fraction(self, response, choices, answer, partial_credit):
        full = super().fraction(response, choices, answer, partial_credit)
        chosen = set(chosen_keys(response))
        if full == ONE or not partial_credit or not chosen <= set(choices):
            return full
        # Partial credit: the chosen options' weights add up, clamped to 0–100 %.
        total = sum((Decimal(str(choices[key][1])) for key in chosen), ZERO)
        return min(ONE, max(ZERO, total / HUNDRED))
