"""Forms of the skill-track pages. The assessment form's fields depend on the cell's rubric (`assessment_form`)."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.forms import options
from lms.tracks.loader import SCENARIO_TYPES
from lms.tracks.service import (
    COMMENT_MAX,
    EVIDENCE_MAX,
    NOTE_MAX,
    REASON_MAX,
    SCENARIO_DETAIL_MAX,
    AssessmentEntry,
    CriterionScore,
)


class ConfirmForm(FlaskForm):
    """A button that changes something (start a quiz, withdraw): only the CSRF token."""


class RequestForm(FlaskForm):
    """The rep asks their mentor or manager for the practical assessment."""

    assessor = SelectField("评估人", coerce=int, validators=[DataRequired("请选择评估人。")], validate_choice=False)
    note = TextAreaField("留言（可选）", validators=[Length(max=NOTE_MAX, message=f"留言不能超过 {NOTE_MAX} 个字符。")])


class AssignForm(FlaskForm):
    """HR names any assessor for a person's cell, by employee number."""

    employee_no = StringField(
        "评估人工号", validators=[DataRequired("请填写评估人工号。"), Length(max=32, message="工号过长。")]
    )


class RevokeForm(FlaskForm):
    """HR revokes a level; the reason is kept on record."""

    reason = TextAreaField(
        "撤销原因",
        validators=[
            DataRequired("请填写撤销原因。"),
            Length(max=REASON_MAX, message=f"撤销原因不能超过 {REASON_MAX} 个字符。"),
        ],
    )


class LocalDateField(DateField):
    """A YYYY-MM-DD date whose parse error speaks Chinese."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("日期格式应为 YYYY-MM-DD。") from None


def _score_validator(name: str, low: int, high: int):
    def check(_form, field):
        raw = (field.data or "").strip()
        if not raw:
            raise ValidationError(f"请为「{name}」打分（{low}–{high}）。")
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ValidationError(f"「{name}」的分数应在 {low}–{high} 之间。")

    return check


class AssessmentFormBase(FlaskForm):
    """The fields every assessment has; `assessment_form` adds one score and comment per criterion."""

    assessed_on = LocalDateField("考核日期", validators=[DataRequired("请填写考核日期。")])
    scenario = SelectField(
        "实际进行的场景", choices=options(SCENARIO_TYPES.items()), validators=[DataRequired("请选择考核场景。")]
    )
    scenario_detail = StringField(
        "场景说明",
        validators=[
            DataRequired("请简述实际进行的场景。"),
            Length(max=SCENARIO_DETAIL_MAX, message=f"场景说明不能超过 {SCENARIO_DETAIL_MAX} 个字符。"),
        ],
    )
    evidence_md = TextAreaField(
        "证据记录（支持 Markdown）",
        validators=[Optional(), Length(max=EVIDENCE_MAX, message=f"证据记录不能超过 {EVIDENCE_MAX} 个字符。")],
    )
    criteria: list[dict] = []

    def entry(self) -> AssessmentEntry:
        """The entered assessment as the service takes it."""
        scores = []
        for criterion in self.criteria:
            raw = (self[f"score_{criterion['key']}"].data or "").strip()
            scores.append(
                CriterionScore(
                    key=criterion["key"],
                    score=int(raw) if raw.isdigit() else None,
                    comment=self[f"comment_{criterion['key']}"].data or "",
                )
            )
        return AssessmentEntry(
            assessed_on=self.assessed_on.data,
            scenario=self.scenario.data or "",
            scenario_detail=self.scenario_detail.data or "",
            scores=tuple(scores),
            evidence_md=self.evidence_md.data or "",
        )


def assessment_form(rubric: dict, **kwargs) -> AssessmentFormBase:
    """An assessment form for `rubric`: `score_<key>` (within the scale) and `comment_<key>` per criterion."""
    low, high = rubric["scale"]

    class AssessmentForm(AssessmentFormBase):
        criteria = rubric["criteria"]

    for criterion in rubric["criteria"]:
        setattr(
            AssessmentForm,
            f"score_{criterion['key']}",
            StringField(criterion["name"], validators=[_score_validator(criterion["name"], low, high)]),
        )
        setattr(
            AssessmentForm,
            f"comment_{criterion['key']}",
            TextAreaField("评语", validators=[Length(max=COMMENT_MAX, message=f"评语不能超过 {COMMENT_MAX} 个字符。")]),
        )
    return AssessmentForm(**kwargs)
