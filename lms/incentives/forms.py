"""Forms of the record pages: the period asked about, the timeline and report filters (GET), HR's confirmation."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import options
from lms.models import FACT_KIND_LABELS

PERIOD_HINT = "如 2026-Q3（季度）、2026（年度）或 2026-07（月度）"


class _GetForm(FlaskForm):
    class Meta:
        csrf = False  # a filter changes nothing


class PeriodForm(_GetForm):
    """Which period the eligibility is for, and the day the record is read as of (default today)."""

    period = StringField("评估期间", validators=[Optional(), Length(max=16, message="期间过长。")])
    as_of = DateField("截至日期", validators=[Optional()], format="%Y-%m-%d")


class RecordForm(PeriodForm):
    """The record page: the eligibility's period, and the timeline's kind and period filters."""

    kind = SelectField(
        "记录类型",
        validators=[Optional()],
        choices=options([("", "全部类型")] + [(kind.value, label) for kind, label in FACT_KIND_LABELS.items()]),
    )
    within = StringField("发生期间", validators=[Optional(), Length(max=16, message="期间过长。")])


class ReportForm(PeriodForm):
    """The report's filters; the team and rule choices are set by the view (forms never query)."""

    team = SelectField("团队", validators=[Optional()], validate_choice=False)
    q = StringField("姓名或工号", validators=[Optional(), Length(max=64, message="不能超过 64 个字符。")])
    rule = SelectField("筛选", validators=[Optional()], validate_choice=False)


class ConfirmForm(FlaskForm):
    """HR confirms the period's list as shown (the period and date travel as hidden fields)."""

    period = HiddenField(validators=[DataRequired(message="缺少期间。"), Length(max=16)])
    as_of = HiddenField(validators=[Optional(), Length(max=10)])
