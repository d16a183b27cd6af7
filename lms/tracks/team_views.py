"""The team skill matrix (managers, mentors, HR) and HR's coverage by team, with their CSV exports.

Who appears is the one rule of lms.access (`followed_by`): a manager's people,
a mentor's mentees, everyone for HR. A rep has no matrix: 403.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from lms.access import STAFF_ADMIN_ROLES, roles_required
from lms.csv_export import csv_response
from lms.forms import options
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS
from lms.tracks import team
from lms.tracks.team_forms import MatrixFilterForm

bp = Blueprint("skills_team", __name__, url_prefix="/skills/team")

FOLLOWER_ROLES = ("mentor", "manager", *STAFF_ADMIN_ROLES)
MATRIX_PER_PAGE = 50
COVERAGE_PER_PAGE = 20
# The person's evidence page (lms.tracks, helper A's views) that every cell drills down to.
EVIDENCE_ENDPOINT = "tracks.person_evidence"
# A person id no one has: the evidence link is built once with it, and each row's id put in its place
# (50 url_for calls were a tenth of the page's time).
_SOME_PERSON = 9_876_543_210_123


def _evidence_urls(rows: list[team.MatrixRow]) -> dict[int, str]:
    """person id -> their evidence page, for the page's rows (one url_for)."""
    pattern = url_for(EVIDENCE_ENDPOINT, person_id=_SOME_PERSON)
    marker = str(_SOME_PERSON)
    return {row.person.id: pattern.replace(marker, str(row.person.id)) for row in rows}


def _cell_openings() -> dict[tuple[str, str | None], tuple[Markup, Markup]]:
    """(dimension, level or None) -> the cell's markup before and after its link: computed once per process."""
    openings = {}
    for dimension in SKILL_DIMENSIONS:
        for level in (None, *SKILL_LEVELS):
            cell = team.MatrixCell(dimension, level)
            before = Markup('<td class="skill-level level-{}" data-dimension="{}"><a href="').format(
                cell.rank, dimension
            )
            after = Markup('#{}">{}</a>').format(cell.evidence_anchor, cell.label)
            openings[(dimension, level)] = (before, after)
    return openings


_OPENINGS = _cell_openings()


@bp.app_template_filter("select_options")
def select_options(field) -> Markup:
    """A select field's options as markup, the submitted one selected (one option per team: a hundred for HR)."""
    selected = field.data
    return Markup(
        "".join(
            f'<option value="{escape(choice.value)}"{" selected" if choice.value == selected else ""}>'
            f"{escape(choice.label)}</option>"
            for choice in field.choices
        )
    )


@bp.app_template_filter("matrix_cells")
def matrix_cells(row: team.MatrixRow, evidence: str) -> Markup:
    """A row's five level cells as markup: colour class, link to the evidence anchor, date achieved.

    Written here rather than by the template: the page's 250 cells each cost a dozen template
    lookups and escapes, a third of the matrix's time (tests/benchmarks/bench_skills.py).
    """
    link = escape(evidence)
    parts = []
    for cell in row.cells:
        before, after = _OPENINGS[(cell.dimension, cell.level)]
        date = f"<small>{cell.achieved_on.isoformat()}</small>" if cell.achieved_on else ""
        parts.append(f"{before}{link}{after}{date}</td>")
    return Markup("".join(parts))


def _filters(matrix: team.TeamMatrix) -> tuple[MatrixFilterForm, team.MatrixFilter]:
    """The filter form as submitted, and the filter it stands for (fields with an error are left out)."""
    form = MatrixFilterForm(request.args)
    form.team.choices = options([("", "全部团队")] + [(name, name) for name in matrix.teams])
    form.validate()
    value = {name: (form[name].data or "") if not form[name].errors else "" for name in ("team", "dimension", "level")}
    return form, team.MatrixFilter(**value)


@bp.get("/")
@roles_required(*FOLLOWER_ROLES)
def matrix():
    """People × dimensions: the highest level each holds, counts per level, filters, a page at a time."""
    matrix = team.TeamMatrix(current_user)
    form, filters = _filters(matrix)
    per_page = current_app.config.get("SKILL_MATRIX_PER_PAGE", MATRIX_PER_PAGE)
    page, rows = matrix.page(filters, request.args.get("page", 1, type=int), per_page)
    return render_template(
        "tracks/team_matrix.html",
        form=form,
        filters=filters,
        page=page,
        rows=rows,
        counts=matrix.counts(filters),
        dimensions=SKILL_DIMENSIONS,
        levels=team.LEVEL_FILTERS,
        evidence=_evidence_urls(rows),
        is_hr=current_user.has_role(*STAFF_ADMIN_ROLES),
    )


@bp.get("/matrix.csv")
@roles_required(*FOLLOWER_ROLES)
def matrix_csv():
    """The whole filtered matrix as a spreadsheet (the one CSV helper: BOM for Excel, no formulas)."""
    matrix = team.TeamMatrix(current_user)
    _, filters = _filters(matrix)
    return csv_response("skill-matrix.csv", team.MATRIX_CSV_HEADER, team.matrix_csv_rows(matrix.all_rows(filters)))


def _coverage(team_name: str) -> list[team.TeamCoverage]:
    return team.coverage_by_team(current_user, team_name)


@bp.get("/coverage")
@roles_required(*STAFF_ADMIN_ROLES)
def coverage():
    """HR: per team and dimension, how many reached 初级, 进阶 and 高级 (or above), and their share."""
    teams = _coverage(request.args.get("team", ""))
    page = max(1, request.args.get("page", 1, type=int))
    pages = max(1, -(-len(teams) // COVERAGE_PER_PAGE))
    shown = teams[(page - 1) * COVERAGE_PER_PAGE : page * COVERAGE_PER_PAGE]
    return render_template(
        "tracks/team_coverage.html",
        teams=shown,
        team_count=len(teams),
        page=page,
        pages=pages,
        dimensions=SKILL_DIMENSIONS,
        levels=SKILL_LEVELS,
    )


@bp.get("/coverage.csv")
@roles_required(*STAFF_ADMIN_ROLES)
def coverage_csv():
    """Coverage by team as a spreadsheet: one row per team and dimension."""
    teams = _coverage(request.args.get("team", ""))
    return csv_response("skill-coverage.csv", team.COVERAGE_CSV_HEADER, team.coverage_csv_rows(teams))
