"""Forms of the exam pages. Answers are parsed by `answers_from_form` (their fields depend on the paper)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.exams.appeals import OUTCOMES
from lms.exams.results import STATUS_LABELS
from lms.forms import options

FIELD_PREFIX = "q-"


class ConfirmForm(FlaskForm):
    """A button that changes something (start, submit): only the CSRF token."""


class AppealForm(FlaskForm):
    position = IntegerField("题号", validators=[DataRequired("请选择题号。"), NumberRange(min=1, message="题号无效。")])
    reason = TextAreaField(
        "申诉理由",
        validators=[DataRequired("请写明申诉理由。"), Length(min=5, max=2000, message="理由应为 5–2000 字。")],
    )


class DecisionForm(FlaskForm):
    outcome = SelectField("处理结果", choices=options(OUTCOMES.items()), validators=[DataRequired("请选择处理结果。")])
    accepted = StringField(
        "接受的答案",
        validators=[Optional(), Length(max=200)],
        description="选择题写选项字母（如 b 或 a,c），判断题写 true 或 false，其他题型写答案文本。",
    )
    note = TextAreaField("处理理由", validators=[DataRequired("请写明处理理由。"), Length(max=2000)])


class RosterFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField("状态", validators=[Optional()], choices=options([("", "全部")] + list(STATUS_LABELS.items())))
    team = SelectField("团队", validators=[Optional()], choices=options([]))


def answers_from_form(form) -> dict[str, list[str]]:
    """Slot id -> submitted values, from every `q-<slot id>` field of a posted page.

    A page also lists its slot ids in `slots`, so an unticked checkbox or
    radio on that page clears the stored answer instead of being ignored.
    """
    answers: dict[str, list[str]] = {key: [] for key in form.get("slots", "").split(",") if key.strip()}
    for name in form:
        if name.startswith(FIELD_PREFIX):
            answers[name[len(FIELD_PREFIX) :]] = [value for value in form.getlist(name)]
    return answers
