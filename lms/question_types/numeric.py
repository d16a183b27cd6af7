"""数值题: |answer − value| ≤ tolerance; several answers may carry partial credit, and one feedback
covers every other answer (GIFT's `~#…`, YAML `feedback: {wrong: …}`)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from lms.question_types import gift_syntax as g
from lms.question_types.base import (
    InvalidAnswer,
    QuestionType,
    best_fraction,
    feedback_text,
    typed_text,
    weight_field,
    yaml_number,
)
from lms.question_types.values import HUNDRED, NumericAnswer, Review, decimal_of, format_decimal, jsonable, parse_number

NUMBER_HINT = "请填写数字，例如 84 或 0.5（不需要写单位）。"


class Numeric(QuestionType):
    key = "numeric"
    label = "数值题"
    bank_keys = frozenset({"answer", "tolerance", "range", "answers", "unit", "feedback"})
    gift_order = 10

    def parse(self, item, err):
        unit = feedback_text(item.get("unit"))
        fields = {"numeric": (), "unit": unit, "feedback_wrong": self._wrong_feedback(item, err)}
        given = [key for key in ("answer", "range", "answers") if key in item]
        if len(given) != 1:
            err(
                given[1] if len(given) > 1 else None,
                "数值题需要且只能用以下一种写法：answer（配 tolerance）、range、answers",
            )
            return fields
        if "answers" in item and isinstance(item["answers"], list) and item["answers"]:
            answers = []
            for entry in item["answers"]:
                if not isinstance(entry, dict) or set(entry) - {"value", "tolerance", "weight", "feedback"}:
                    err("answers", "数值题的每个答案应是映射（value、tolerance、weight、feedback）")
                    continue
                weight = weight_field(entry.get("weight", 100), err, "answers")
                answers.append(
                    _answer(
                        entry.get("value"),
                        entry.get("tolerance", 0),
                        err,
                        "answers",
                        HUNDRED if weight is None else weight,
                        feedback_text(entry.get("feedback")),
                    )
                )
        elif "range" in item:
            bounds = item["range"]
            low, high = (
                (decimal_of(bounds[0]), decimal_of(bounds[1]))
                if isinstance(bounds, list) and len(bounds) == 2
                else (None, None)
            )
            if low is None or high is None or low > high:
                err("range", "range 应写成 [下限, 上限]，且下限不大于上限")
                return fields
            answers = [NumericAnswer(value=((low + high) / 2).normalize(), tolerance=((high - low) / 2).normalize())]
        else:
            answers = [_answer(item.get("answer"), item.get("tolerance", 0), err, "answer")]
        answers = [answer for answer in answers if answer is not None]
        if not answers:
            err("answers", "数值题至少需要 1 个答案")
        elif not any(answer.weight == HUNDRED for answer in answers):
            err("answers", "至少要有一个满分（weight 100）答案")
        return {**fields, "numeric": tuple(answers)}

    @staticmethod
    def _wrong_feedback(item, err) -> str:
        feedback = item.get("feedback")
        if feedback is None:
            return ""
        if not isinstance(feedback, dict) or set(feedback) - {"wrong"}:
            err("feedback", "数值题的 feedback 应写成 {wrong: 其他答案的反馈}")
            return ""
        return feedback_text(feedback.get("wrong"))

    def dump(self, question):
        data = {
            "answers": [
                {
                    k: v
                    for k, v in (
                        ("value", yaml_number(a.value)),
                        ("tolerance", yaml_number(a.tolerance)),
                        ("weight", yaml_number(a.weight)),
                        ("feedback", a.feedback),
                    )
                    if v != ""
                }
                for a in question.numeric
            ]
        }
        if question.unit:
            data["unit"] = question.unit
        if question.feedback_wrong:
            data["feedback"] = {"wrong": question.feedback_wrong}
        return data

    def answer_spec(self, question):
        spec = {"numeric": [jsonable(asdict(answer)) for answer in question.numeric], "unit": question.unit}
        if question.feedback_wrong:
            spec["feedback_wrong"] = question.feedback_wrong
        return spec

    def gift_read(self, body):
        if not body.startswith("#"):
            return None
        # As in Moodle, everything after the first `~` is the feedback for any other answer.
        body, tilde, wrong = body[1:].partition("~")
        feedback_wrong = ""
        if tilde:
            head, hash_, feedback_wrong = wrong.partition("#")
            if head.strip() or not hash_:
                raise ValueError("数值题中 ~ 只用于其他答案的反馈，应写成 ~#反馈")
            feedback_wrong = g.restore(feedback_wrong)
        answers = []
        for part in body.strip().split("="):
            part = part.strip()
            if not part:
                continue
            weight, part = g.weight_of(part)
            spec, feedback = g.split_feedback(part)
            answers.append(_gift_answer(spec, HUNDRED if weight is None else weight, feedback))
        if not answers:
            raise ValueError("数值题缺少答案，例如 {#2:0.5} 或 {#1..5}")
        return {"type": self.key, "numeric": tuple(answers), "feedback_wrong": feedback_wrong}

    def gift_write(self, question):
        specs = [f"{format_decimal(a.value)}:{format_decimal(a.tolerance)}" for a in question.numeric]
        only = question.numeric[0]
        wrong = [f"~#{g.escape(question.feedback_wrong)}"] if question.feedback_wrong else []
        if len(question.numeric) == 1 and only.weight == HUNDRED and not only.feedback and not wrong:
            return ["#" + specs[0]]
        return (
            ["#"]
            + [
                "="
                + ("" if a.weight == HUNDRED else g.weight_text(a.weight))
                + spec
                + (f"#{g.escape(a.feedback)}" if a.feedback else "")
                for a, spec in zip(question.numeric, specs, strict=True)
            ]
            + wrong
        )

    def clean(self, raw, options):
        response, error = super().clean(raw, options)
        if response and parse_number(response["text"]) is None:
            return None, NUMBER_HINT
        return response, error

    def fraction(self, response, choices, answer, partial_credit):
        number = parse_number(typed_text(response))
        if number is None:
            return Decimal(0)
        weights = [
            Decimal(str(a["weight"]))
            for a in answer.get("numeric", [])
            if abs(number - Decimal(str(a["value"]))) <= Decimal(str(a["tolerance"]))
        ]
        return best_fraction(weights, partial_credit)

    def same_response(self, response, accepted):
        if "choices" in accepted:
            return super().same_response(response, accepted)
        mine, theirs = parse_number(typed_text(response)), parse_number(str(accepted.get("text", "")))
        return mine is not None and mine == theirs

    def accepted_from_text(self, text, choice_keys):
        if parse_number(text) is None:
            raise InvalidAnswer(NUMBER_HINT)
        return {"text": text}

    def rep_unit(self, answer):
        return (answer or {}).get("unit", "")

    def review(self, correct_keys, answer):
        return Review(
            accepted=tuple(
                f"{a['value']}" + (f" ± {a['tolerance']}" if a.get("tolerance") not in ("0", 0) else "")
                for a in (answer or {}).get("numeric", [])
            )
        )


def _answer(value, tolerance, err, key, weight=HUNDRED, feedback="") -> NumericAnswer | None:
    number, margin = decimal_of(value), decimal_of(tolerance)
    if number is None:
        err(key, f"数值答案应是数字（现为 {value!r}）")
        return None
    if margin is None or margin < 0:
        err("tolerance" if key == "answer" else key, f"误差 tolerance 应是不小于 0 的数字（现为 {tolerance!r}）")
        return None
    return NumericAnswer(value=number.normalize(), tolerance=margin.normalize(), weight=weight, feedback=feedback)


def _gift_answer(spec: str, weight: Decimal, feedback: str) -> NumericAnswer:
    spec = spec.replace(g.PLACEHOLDER[":"], ":").strip()
    try:
        if ".." in spec:
            low, high = (Decimal(part) for part in spec.split("..", 1))
            if low > high:
                raise ValueError
            return NumericAnswer(((low + high) / 2).normalize(), ((high - low) / 2).normalize(), weight, feedback)
        value, _, tolerance = spec.partition(":")
        number, margin = Decimal(value), Decimal(tolerance or "0")
        if not number.is_finite() or not margin.is_finite() or margin < 0:
            raise ValueError
        return NumericAnswer(number.normalize(), margin.normalize(), weight, feedback)
    except (ArithmeticError, ValueError):
        raise ValueError(f"数值答案「{spec}」无效，应写成 2:0.5 或 1..5") from None
