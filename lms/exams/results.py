"""Results: a person's attempts and best result, the review policy, the question-by-question
review, and the managers' roster, team statistics and CSV.

Only `review_items` reads correct answers, and views call it only when
`answers_visible` says the viewer may see them; everything else carries scores, never keys.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms import clock, question_types
from lms.access import STAFF_ADMIN_ROLES, followed_by
from lms.exams import options
from lms.exams.attempts import is_eligible
from lms.extensions import db
from lms.models import AttemptQuestion, AttemptResult, AttemptStatus, Exam, ExamAttempt, Question, User
from lms.question_bank.service import RepOption, RepQuestion, render_stem

STATUS_LABELS = {"not_started": "未开始", "in_progress": "作答中", "passed": "通过", "failed": "未通过"}
BANDS = (
    ("<60", Decimal(0), Decimal(60)),
    ("60–69", Decimal(60), Decimal(70)),
    ("70–79", Decimal(70), Decimal(80)),
    ("80–89", Decimal(80), Decimal(90)),
    ("90–100", Decimal(90), Decimal(101)),
)


def latest_results(exam_id: int, user_ids: list[int] | None = None) -> dict[int, AttemptResult]:
    """attempt id -> its current (highest sequence) result, for an exam (optionally some people)."""
    stmt = select(AttemptResult).where(AttemptResult.exam_id == exam_id)
    if user_ids is not None:
        stmt = stmt.where(AttemptResult.user_id.in_(user_ids or [0]))
    latest: dict[int, AttemptResult] = {}
    for result in db.session.scalars(stmt.order_by(AttemptResult.attempt_id, AttemptResult.sequence)):
        latest[result.attempt_id] = result
    return latest


def best_of(results: list[AttemptResult]) -> AttemptResult | None:
    """The counting result: highest score, the earlier attempt on a tie."""
    return max(results, key=lambda r: (r.score, -r.attempt_id), default=None)


def best_result(exam: Exam, user: User) -> AttemptResult | None:
    """The person's counting result for `exam` (best attempt), or None."""
    return best_of(list(latest_results(exam.id, [user.id]).values()))


def attempts_of(exam: Exam, user: User) -> list[tuple[ExamAttempt, AttemptResult | None]]:
    """The person's attempts for `exam`, oldest first, with their current results."""
    attempts = db.session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.exam_id == exam.id, ExamAttempt.user_id == user.id)
        .order_by(ExamAttempt.number)
    )
    latest = latest_results(exam.id, [user.id])
    return [(attempt, latest.get(attempt.id)) for attempt in attempts]


def review_allowed(exam: Exam, now: datetime) -> bool:
    """Whether answers and correctness may be shown (the exam's review policy)."""
    if exam.review_policy == "immediate":
        return True
    if exam.review_policy == "after_close":
        return now >= exam.closes_at
    return False


def answers_visible(attempt: ExamAttempt, viewer: User, now: datetime) -> bool:
    """Whether `viewer` may see the right answers of `attempt` (its question-by-question review).

    HR and admin always may. The person whose attempt it is may once the exam's
    review policy allows. Anyone else who may read the person's results (a mentor,
    a manager) may once the policy allows and only if they cannot still take that
    exam themselves: a mentor who is also a rep would otherwise read the answers
    before sitting it.
    """
    if viewer.has_role(*STAFF_ADMIN_ROLES):
        return True
    exam = attempt.exam
    if not review_allowed(exam, now):
        return False
    return viewer.id == attempt.user_id or not can_still_take(exam, viewer, now)


def can_still_take(exam: Exam, user: User, now: datetime) -> bool:
    """Whether `user` has a sitting of `exam` ahead: eligible, window not closed, an attempt left or in progress."""
    if exam.retired_at is not None or now >= exam.closes_at or not is_eligible(exam, user):
        return False
    statuses = list(
        db.session.scalars(
            select(ExamAttempt.status).where(ExamAttempt.exam_id == exam.id, ExamAttempt.user_id == user.id)
        )
    )
    return "in_progress" in statuses or len(statuses) < exam.attempts_allowed


@dataclass(frozen=True)
class PaperQuestion:
    """A slot of a paper as its page shows it: options carry opaque values (lms.exams.options)."""

    slot: AttemptQuestion
    rep: RepQuestion
    response: dict | None  # the saved answer, choices as the page's option values
    labels: dict[str, str]  # bank key -> label as shown ("A", "B" … by position; 正确/错误)


def paper_questions(attempt: ExamAttempt, positions: range | None = None) -> list[PaperQuestion]:
    """Slots of the paper with the rep's view of each question, options in this paper's order.

    Built from stems and option texts only: nothing here says which option is right, and
    option values are the attempt's tokens, never the bank's keys.
    """
    stmt = (
        select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .options(selectinload(AttemptQuestion.question).selectinload(Question.choices))
        .order_by(AttemptQuestion.position)
        .execution_options(populate_existing=True)
    )
    if positions is not None:
        stmt = stmt.where(AttemptQuestion.position.in_(list(positions)))
    pairs = []
    for slot in db.session.scalars(stmt):
        question = slot.question
        kind = question_types.get(question.type)
        shown = kind.rep_options({choice.key: choice.text for choice in question.choices}, slot.option_order)
        table = options.tokens_for(attempt.id, slot.id, slot.option_order)
        labels = kind.option_labels(slot.option_order)
        pairs.append(
            PaperQuestion(
                slot,
                RepQuestion(
                    key=str(slot.position),
                    type=question.type,
                    type_label=kind.label,
                    stem_html=_stem_html(question),
                    options=tuple(RepOption(table[option.key], option.text) for option in shown),
                    unit=kind.rep_unit(question.answer),
                    points=format(slot.points.normalize(), "f"),
                ),
                options.encode_response(slot.response, table),
                labels,
            )
        )
    return pairs


_stems: dict[tuple[int, str], object] = {}


def _stem_html(question):
    """The rendered stem, cached per process by question and content hash (Markdown + sanitiser cost ms)."""
    key = (question.id, question.content_hash)
    if key not in _stems:
        if len(_stems) > 5000:
            _stems.clear()
        _stems[key] = render_stem(question)
    return _stems[key]


@dataclass(frozen=True)
class ReviewItem:
    position: int
    rep: RepQuestion
    response: dict | None
    correct_keys: tuple[str, ...]
    accepted: tuple[str, ...]
    awarded: str
    points: str
    void: bool
    clause: str
    explanation: str
    question_id: int


def review_items(attempt: ExamAttempt, result: AttemptResult) -> list[ReviewItem]:
    """Question-by-question review with the right answers. Only call when `review_allowed`."""
    scored = {row[0]: row for row in result.items}
    items = []
    for shown in paper_questions(attempt):
        slot, question = shown.slot, shown.slot.question
        review = question_types.get(question.type).review(
            [choice.key for choice in question.choices if choice.correct], question.answer
        )
        row = scored.get(slot.question_id, [slot.question_id, "0", "0", "", False])
        correct = tuple(shown.labels.get(key, key.upper()) for key in review.correct_keys)  # as the paper showed them
        items.append(
            ReviewItem(
                slot.position,
                shown.rep,
                shown.response,
                correct,
                review.accepted,
                row[1],
                format(slot.points.normalize(), "f"),
                bool(row[4]),
                question.clause,
                question.explanation,
                question.id,
            )
        )
    return items


# --- managers and HR ----------------------------------------------------------------------


@dataclass
class RosterRow:
    person: User
    status: str
    best: AttemptResult | None
    attempts: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def people_in_scope(viewer: User) -> list[User]:
    """Active people the viewer answers for (lms.access.followed_by)."""
    stmt = select(User).where(User.active.is_(True), followed_by(viewer)).order_by(User.team, User.employee_no)
    return list(db.session.scalars(stmt))


def roster(exam: Exam, viewer: User) -> list[RosterRow]:
    """Every person in the viewer's scope who must sit `exam`, with status and best score."""
    people = [person for person in people_in_scope(viewer) if is_eligible(exam, person)]
    ids = [person.id for person in people]
    attempts: dict[int, list[ExamAttempt]] = defaultdict(list)
    for attempt in db.session.scalars(select(ExamAttempt).where(ExamAttempt.exam_id == exam.id)):
        attempts[attempt.user_id].append(attempt)
    by_user: dict[int, list[AttemptResult]] = defaultdict(list)
    for result in latest_results(exam.id, ids if len(ids) < 500 else None).values():
        by_user[result.user_id].append(result)
    rows = []
    for person in people:
        best = best_of(by_user.get(person.id, []))
        mine = attempts.get(person.id, [])
        if best is not None:
            status = "passed" if best.passed else "failed"
        else:
            status = "in_progress" if mine else "not_started"
        if any(a.status == AttemptStatus.IN_PROGRESS for a in mine) and (best is None or not best.passed):
            status = "in_progress"
        rows.append(RosterRow(person, status, best, len(mine)))
    return rows


@dataclass
class TeamStats:
    team: str
    eligible: int = 0
    finished: int = 0
    passed: int = 0
    bands: list[int] = field(default_factory=lambda: [0] * len(BANDS))

    @property
    def pass_rate(self) -> Decimal:
        """Passed / finished, as a percentage (0 when nobody finished yet)."""
        return (Decimal(self.passed) * 100 / self.finished).quantize(Decimal("0.1")) if self.finished else Decimal(0)


def team_stats(rows: list[RosterRow]) -> list[TeamStats]:
    """Pass rate and score bands per team, from a roster."""
    teams: dict[str, TeamStats] = {}
    for row in rows:
        stats = teams.setdefault(row.person.team or "未分组", TeamStats(row.person.team or "未分组"))
        stats.eligible += 1
        if row.best is not None:
            stats.finished += 1
            stats.passed += row.best.passed
            stats.bands[next(i for i, (_, low, high) in enumerate(BANDS) if low <= row.best.score < high)] += 1
    return sorted(teams.values(), key=lambda s: s.team)


def pass_rate_chart(stats: list[TeamStats]) -> dict:
    """Geometry of a horizontal bar chart of pass rates (server-rendered SVG, attributes only)."""
    row_height, label_width, bar_width = 28, 130, 360
    bars = []
    for index, team in enumerate(stats):
        y = 10 + index * row_height
        bars.append(
            {
                "label": team.team,
                "y": y,
                "text_y": y + 15,
                "width": round(float(team.pass_rate) * bar_width / 100, 1),
                "value": f"{team.pass_rate}%（{team.passed}/{team.finished}）",
                "value_x": label_width + bar_width + 8,
            }
        )
    return {
        "height": 20 + row_height * len(stats),
        "width": label_width + bar_width + 150,
        "x": label_width,
        "bar_width": bar_width,
        "bars": bars,
        "mark_x": label_width + bar_width * 0.8,
    }


def distribution_chart(stats: list[TeamStats]) -> dict:
    """Geometry of grouped columns: for each team, how many best scores fall in each band."""
    column, gap, height = 14, 26, 120
    peak = max([max(team.bands) for team in stats] + [1])
    groups = []
    for index, team in enumerate(stats):
        x0 = 40 + index * (column * len(BANDS) + gap)
        columns = [
            {
                "x": x0 + i * column,
                "height": round(count * height / peak, 1),
                "y": 10 + height - round(count * height / peak, 1),
                "band": i,
                "count": count,
                "label": BANDS[i][0],
            }
            for i, count in enumerate(team.bands)
        ]
        groups.append({"team": team.team, "columns": columns, "label_x": x0, "label_y": height + 28})
    return {
        "width": 60 + len(stats) * (column * len(BANDS) + gap),
        "height": height + 40,
        "base_y": height + 10,
        "groups": groups,
        "bands": [band[0] for band in BANDS],
    }


def roster_table(exam: Exam, rows: list[RosterRow]) -> tuple[list[str], list[list]]:
    """The roster's CSV header and rows; lms.csv_export writes them (BOM, formulas neutralised)."""
    header = ["考试", "工号", "姓名", "团队", "状态", "最高分", "是否通过", "作答次数", "评分时间"]
    table = []
    for row in rows:
        best = row.best
        table.append(
            [
                exam.key,
                row.person.employee_no,
                row.person.name,
                row.person.team or "",
                row.status_label,
                f"{best.score:f}" if best else "",
                ("是" if best.passed else "否") if best else "",
                row.attempts,
                clock.format_local(best.graded_at) if best else "",
            ]
        )  # the company's zone, like every page
    return header, table
