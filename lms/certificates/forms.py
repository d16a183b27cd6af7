"""Forms of the certificate pages: HR's filter (GET) and the revocation (POST, CSRF)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.certificates.service import REASON_MAX
from lms.forms import options

STATUS_CHOICES = [("", "全部"), ("valid", "有效"), ("revoked", "已撤销")]


class CertificateFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search form changes nothing

    status = SelectField("状态", validators=[Optional()], choices=options(STATUS_CHOICES))
    person = StringField("姓名或工号", validators=[Optional(), Length(max=64, message="不能超过 64 个字符。")])


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "撤销原因",
        validators=[
            DataRequired(message="请填写撤销原因。"),
            Length(max=REASON_MAX, message=f"撤销原因不能超过 {REASON_MAX} 个字。"),
        ],
    )
