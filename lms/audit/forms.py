"""The admin's audit filter (a GET form: it changes nothing)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from lms.forms import options
from lms.models import AUDIT_ACTION_LABELS


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search form changes nothing

    action = SelectField(
        "操作",
        validators=[Optional()],
        choices=options([("", "全部操作")] + [(action.value, label) for action, label in AUDIT_ACTION_LABELS.items()]),
    )
    actor = StringField("操作人工号", validators=[Optional(), Length(max=32, message="工号不能超过 32 个字符。")])
    subject = StringField("对象工号", validators=[Optional(), Length(max=32, message="工号不能超过 32 个字符。")])
    since = DateField("起始日期", validators=[Optional()], format="%Y-%m-%d")
    until = DateField("截止日期", validators=[Optional()], format="%Y-%m-%d")
