"""The suggestion form and the manager's decision."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.forms import options


class SuggestionForm(FlaskForm):
    title = StringField("标题", validators=[DataRequired("请填写标题。"), Length(max=120)])
    clause = StringField(
        "改进的流程（指南条款号，如 3.2）", validators=[DataRequired("请填写条款号。"), Length(max=32)]
    )
    body = TextAreaField("建议内容", validators=[DataRequired("请写明建议内容。"), Length(max=5000)])
    submit = SubmitField("提交建议")


class DecisionForm(FlaskForm):
    decision = SelectField(
        "处理",
        choices=options([("", "请选择"), ("adopt", "采纳"), ("decline", "不采纳")]),
        validators=[DataRequired("请选择。")],
    )
    reason = TextAreaField("理由", validators=[DataRequired("请写明理由。"), Length(max=2000)])
    submit = SubmitField("提交")
