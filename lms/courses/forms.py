"""Course forms: the script preference and lesson search."""

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from lms.courses.render import SCRIPTS
from lms.forms import options


class ScriptPreferenceForm(FlaskForm):
    script = RadioField("阅读字体", choices=options(SCRIPTS.items()), validators=[DataRequired("请选择字体。")])
    submit = SubmitField("保存")


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("搜索课程", validators=[Optional(), Length(max=50, message="搜索词不能超过 50 个字符。")])


class CompleteForm(FlaskForm):
    """The 「完成本节」 button (a CSRF-protected POST)."""

    submit = SubmitField("完成本节")
