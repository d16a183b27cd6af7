"""The bank browser's filter form (a GET form: it changes nothing, so no CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from lms.forms import options
from lms.question_types import QUESTION_TYPES
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS


class QuestionFilterForm(FlaskForm):
    class Meta:
        csrf = False

    clause = SelectField("条款", validators=[Optional()], choices=options([]))
    type = SelectField(
        "题型", validators=[Optional()], choices=options([("", "全部题型")] + list(QUESTION_TYPES.items()))
    )
    dimension = SelectField(
        "技能维度", validators=[Optional()], choices=options([("", "全部维度")] + list(SKILL_DIMENSIONS.items()))
    )
    level = SelectField(
        "等级", validators=[Optional()], choices=options([("", "全部等级")] + list(SKILL_LEVELS.items()))
    )
    stale = SelectField(
        "待复核", validators=[Optional()], choices=options([("", "全部"), ("yes", "待复核"), ("no", "无需复核")])
    )
    status = SelectField(
        "状态", validators=[Optional()], choices=options([("active", "在用"), ("retired", "已停用"), ("all", "全部")])
    )
