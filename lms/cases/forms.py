"""Forms of the case knowledge base. Limits mirror those of service.py, which enforces them again."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from lms.cases.service import COMMENT_MAX, PART_MAX, TITLE_MAX
from lms.forms import options
from lms.models.cases import CASE_OUTCOME_LABELS, CASE_PART_LABELS, CASE_SEGMENT_LABELS, RATING_CRITERIA
from lms.skills import SKILL_DIMENSIONS


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _part(name: str) -> TextAreaField:
    label = CASE_PART_LABELS[name]
    return TextAreaField(label, validators=[Length(max=PART_MAX, message=f"“{label}”不能超过 {PART_MAX} 个字符。")])


class CaseForm(FlaskForm):
    """A case review. Only the title is needed to save a draft; the service checks the rest on submission."""

    title = StringField(
        "标题",
        validators=[DataRequired("请填写标题。"), Length(max=TITLE_MAX, message=f"标题不能超过 {TITLE_MAX} 个字符。")],
    )
    outcome = RadioField("结果", choices=options(CASE_OUTCOME_LABELS.items()), validators=[Optional()])
    segment = SelectField(
        "客户类型", choices=options([("", "请选择"), *CASE_SEGMENT_LABELS.items()]), validators=[Optional()]
    )
    dimensions = CheckboxListField("技能维度", choices=options(SKILL_DIMENSIONS.items()), validators=[Optional()])
    clauses = StringField("相关条款", validators=[Optional(), Length(max=200, message="条款编号过长。")])
    tags = StringField("标签", validators=[Optional(), Length(max=400, message="标签过长。")])
    info = _part("info")
    analysis = _part("analysis")
    discussion = _part("discussion")
    methods = _part("methods")
    improvements = _part("improvements")
    save = SubmitField("保存草稿")
    submit_review = SubmitField("保存并提交审核")


class CommentForm(FlaskForm):
    """A workflow action with an optional (send-back: required) comment."""

    comment = TextAreaField(
        "意见", validators=[Length(max=COMMENT_MAX, message=f"意见不能超过 {COMMENT_MAX} 个字符。")]
    )
    submit = SubmitField("确认")


def _score(label: str) -> RadioField:
    return RadioField(
        label,
        choices=options((str(i), str(i)) for i in range(1, 6)),
        validators=[InputRequired(f"请为“{label}”打 1 到 5 分。")],
    )


class RatingForm(FlaskForm):
    """经验共享效果评估表 (5.4): four criteria, 1–5 each."""

    quality = _score(RATING_CRITERIA["quality"])
    application = _score(RATING_CRITERIA["application"])
    engagement = _score(RATING_CRITERIA["engagement"])
    improvement = _score(RATING_CRITERIA["improvement"])
    submit = SubmitField("提交评价")


class SearchForm(FlaskForm):
    """The case list's search box and filters (GET, changes nothing)."""

    class Meta:
        csrf = False

    q = StringField("关键词", validators=[Optional(), Length(max=200)])
    outcome = SelectField(
        "结果", choices=options([("", "全部"), *CASE_OUTCOME_LABELS.items()]), validators=[Optional()]
    )
    segment = SelectField(
        "客户类型", choices=options([("", "全部"), *CASE_SEGMENT_LABELS.items()]), validators=[Optional()]
    )
    dimension = SelectField(
        "技能维度", choices=options([("", "全部"), *SKILL_DIMENSIONS.items()]), validators=[Optional()]
    )
    clause = StringField("条款", validators=[Optional(), Length(max=16)])
    author = SelectField("作者", choices=[], validators=[Optional()])
    month = StringField("发布月份", validators=[Optional(), Regexp(r"^\d{4}-\d{2}$", message="月份格式应为 YYYY-MM。")])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=10000)])


class SessionForm(FlaskForm):
    """A monthly sharing session: month, topic, cases, 应到 and 参加."""

    month = StringField(
        "月份", validators=[DataRequired("请填写月份。"), Regexp(r"^\d{4}-\d{2}$", message="月份格式应为 YYYY-MM。")]
    )
    title = StringField(
        "主题",
        validators=[DataRequired("请填写主题。"), Length(max=TITLE_MAX, message=f"主题不能超过 {TITLE_MAX} 个字符。")],
    )
    held_on = DateField("举办日期", validators=[Optional()], format="%Y-%m-%d")
    case_ids = CheckboxListField("分享案例", coerce=int, choices=[], validate_choice=False)
    extra_case_ids = StringField("其他案例编号", validators=[Optional(), Length(max=200)])
    expected_ids = SelectMultipleField("应到人员", coerce=int, choices=[], validate_choice=False)
    attended_ids = SelectMultipleField("参加人员", coerce=int, choices=[], validate_choice=False)
    submit = SubmitField("保存分享会")
