"""The team skill matrix's filter form (a GET form: it changes nothing, so it carries no CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from lms.forms import options
from lms.skills import SKILL_DIMENSIONS
from lms.tracks.team import LEVEL_FILTERS


class MatrixFilterForm(FlaskForm):
    class Meta:
        csrf = False

    team = SelectField("团队", validators=[Optional()], choices=[])  # the viewer's teams, set by the view
    dimension = SelectField(
        "技能维度", validators=[Optional()], choices=options([("", "全部维度"), *SKILL_DIMENSIONS.items()])
    )
    level = SelectField("等级", validators=[Optional()], choices=options([("", "全部等级"), *LEVEL_FILTERS.items()]))
