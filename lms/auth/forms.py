"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    login = StringField("工号或邮箱", validators=[DataRequired("请输入工号或邮箱。"), Length(max=254)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=128)])
    submit = SubmitField("登录")


class NewPasswordMixin:
    new_password = PasswordField(
        "新密码", validators=[DataRequired("请输入新密码。"), Length(max=128, message="密码不能超过 128 个字符。")]
    )
    confirm = PasswordField(
        "再次输入新密码",
        validators=[DataRequired("请再次输入新密码。"), EqualTo("new_password", "两次输入的密码不一致。")],
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。"), Length(max=128)])
    submit = SubmitField("修改密码")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField("设置新密码")
