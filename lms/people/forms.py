"""HR's forms: a person, and a CSV upload."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.forms import options
from lms.models import ROLE_LABELS

ROLE_OPTIONS = options(ROLE_LABELS.items())


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    employee_no = StringField(
        "工号", validators=[DataRequired("请填写工号。"), Length(max=32, message="工号不能超过 32 个字符。")]
    )
    name = StringField(
        "姓名", validators=[DataRequired("请填写姓名。"), Length(max=64, message="姓名不能超过 64 个字符。")]
    )
    email = StringField(
        "邮箱",
        validators=[
            DataRequired("请填写邮箱。"),
            Length(max=254, message="邮箱不能超过 254 个字符。"),
            Email("邮箱格式无效。", check_deliverability=False),
        ],
    )
    hire_date = DateField("入职日期", validators=[Optional()], format="%Y-%m-%d")
    team = StringField("团队", validators=[Optional(), Length(max=64, message="团队名称不能超过 64 个字符。")])
    manager_no = StringField("经理工号", validators=[Optional(), Length(max=32, message="工号不能超过 32 个字符。")])
    mentor_no = StringField("导师工号", validators=[Optional(), Length(max=32, message="工号不能超过 32 个字符。")])
    roles = CheckboxListField("角色", choices=ROLE_OPTIONS, validators=[DataRequired("至少选择一个角色。")])
    # The new-hire program's scope (5.1(3)): HR exempts a person, saying why.
    onboarding_exempt = BooleanField("免于新员工入职培训")
    onboarding_exempt_reason = StringField(
        "免修原因", validators=[Optional(), Length(max=200, message="免修原因不能超过 200 个字符。")]
    )
    submit = SubmitField("保存")


class ImportUploadForm(FlaskForm):
    file = FileField(
        "CSV 文件",
        validators=[FileRequired("请选择要导入的 CSV 文件。"), FileAllowed(["csv", "txt"], "只接受 .csv 文件。")],
    )
    submit = SubmitField("预览导入")


class ImportConfirmForm(FlaskForm):
    # The previewed file travels back with the confirmation and is validated again.
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField("确认导入")


class PersonFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField("搜索", validators=[Optional(), Length(max=64)])
    team = SelectField("团队", validators=[Optional()], choices=[])
    role = SelectField("角色", validators=[Optional()], choices=options([("", "全部角色")]) + ROLE_OPTIONS)
    status = SelectField(
        "状态", validators=[Optional()], choices=options([("active", "在职"), ("inactive", "已停用"), ("all", "全部")])
    )


class ConfirmActionForm(FlaskForm):
    """An empty form: a CSRF-protected button (deactivate, issue reset link)."""

    submit = SubmitField("确认")
