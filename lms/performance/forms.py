"""Forms of the grade import, the 7.4 follow-up and awards. Forms parse; the services decide."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import options
from lms.models import AWARD_KIND_LABELS
from lms.performance.followup import OUTCOME_LABELS


class GradeUploadForm(FlaskForm):
    file = FileField(
        "成绩文件（CSV 或 XLSX）",
        validators=[
            FileRequired("请选择要导入的文件。"),
            FileAllowed(["csv", "txt", "xlsx"], "只接受 .csv 或 .xlsx 文件。"),
        ],
    )
    submit = SubmitField("预览导入")


class GradeConfirmForm(FlaskForm):
    # The previewed file travels back with the confirmation and is checked again in full.
    payload = HiddenField(validators=[DataRequired()])
    file_name = HiddenField(validators=[Optional(), Length(max=200)])
    reason = TextAreaField(
        "更正原因（更正已有等级时必填：谁要求更正、为什么）", validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField("确认导入")


class GradeFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    period = StringField("期间", validators=[Optional(), Length(max=7)])


class ReviewForm(FlaskForm):
    held_on = DateField("面谈日期", validators=[DataRequired("请填写面谈日期。")], format="%Y-%m-%d")
    plan = TextAreaField("商定的改进计划", validators=[DataRequired("请写明改进计划。"), Length(max=4000)])
    submit = SubmitField("登记面谈")


class GradeAppealForm(FlaskForm):
    reason = TextAreaField("申诉理由", validators=[DataRequired("请写明申诉理由。"), Length(max=4000)])
    submit = SubmitField("提交申诉")


class AppealDecisionForm(FlaskForm):
    outcome = SelectField(
        "处理结果",
        choices=options([("", "请选择"), *((o.value, label) for o, label in OUTCOME_LABELS.items())]),
        validators=[DataRequired("请选择处理结果。")],
    )
    score = StringField("更正后的绩效总分", validators=[Optional(), Length(max=10)])
    grade = SelectField(
        "更正后的等级", choices=options([("", "按总分确定"), *((g, g) for g in "SABCD")]), validators=[Optional()]
    )
    note = TextAreaField("处理理由", validators=[DataRequired("请写明处理理由。"), Length(max=4000)])
    submit = SubmitField("提交处理结果")


class AwardForm(FlaskForm):
    employee_no = StringField("工号", validators=[DataRequired("请填写工号。"), Length(max=32)])
    kind = SelectField(
        "奖项类型",
        choices=options([(k.value, label) for k, label in AWARD_KIND_LABELS.items()]),
        validators=[DataRequired()],
    )
    title = StringField("奖项名称（其他奖项必填）", validators=[Optional(), Length(max=120)])
    period = StringField(
        "期间（最佳新人：2026；季度销冠：2026-Q3）", validators=[DataRequired("请填写期间。"), Length(max=7)]
    )
    awarded_on = DateField("颁奖日期", validators=[DataRequired("请填写颁奖日期。")], format="%Y-%m-%d")
    citation = TextAreaField("颁奖词", validators=[DataRequired("请填写颁奖词。"), Length(max=2000)])
    submit = SubmitField("登记奖项")
