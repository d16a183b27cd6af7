"""Skill tracks (guide 5.2): where a person stands in each cell, level quizzes, assessments, achievements.

A cell's requirements: its prerequisite (the level below) achieved, its lessons
read (lesson progress), its level quiz passed, and a practical assessment passed
and signed. When all hold, the level is awarded: a `SkillLevelAward` row and a
skill_level fact in the same transaction. Evidence counts only if it is newer
than the person's last revocation of that cell, so a revoked level is not
silently given back by the evidence it was revoked over.

Level quizzes run on the exam engine (lms.exams.attempts); their rounds are this
module's rule: `attempts` tries per round, then `cooldown_days` (company-local
days) before the next round opens.

Services take the people and the time explicitly, flush and never commit.
"""

from __future__ import annotations

import importlib.util
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, Text, bindparam, cast, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, joinedload

from lms import clock
from lms.access import STAFF_ADMIN_ROLES
from lms.domain import DomainError
from lms.exams import attempts as exam_attempts
from lms.exams.paper import PaperError
from lms.extensions import db
from lms.markdown import MAX_USER_LINES, render_user_markdown
from lms.models import (
    AttemptResult,
    AttemptStatus,
    Exam,
    ExamAttempt,
    ExamKind,
    FactKind,
    Lesson,
    LessonProgress,
    RecordEntry,
    RequestStatus,
    SkillAssessment,
    SkillAssessmentRequest,
    SkillCell,
    SkillLevelAward,
    SkillLevelRevocation,
    User,
)
from lms.record.service import append_fact
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS
from lms.tracks.loader import SCENARIO_TYPES, cell_label

EVIDENCE_MAX = 5000  # characters of evidence notes, like a case review's part
EVIDENCE_MAX_LINES = MAX_USER_LINES  # what renders within the Markdown time bound
COMMENT_MAX = 1000
SCENARIO_DETAIL_MAX = 500
REASON_MAX = 500
NOTE_MAX = 500
CERTIFICATES = "lms.certificates.service"
TWO_PLACES, THREE_PLACES = Decimal("0.01"), Decimal("0.001")


class TrackError(DomainError):
    """A skill-track rule stopped the action (message in Chinese)."""


class QuizCooldown(TrackError):
    """The level quiz's round is used up; `opens_on` is the company-local date the next round opens."""

    def __init__(self, message: str, opens_on: date):
        super().__init__(message)
        self.opens_on = opens_on


class NotAllowed(TrackError):
    """The person may not do this to this person or request (the view answers 403)."""


# --- reading a person's state ----------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One item of a cell's checklist: what it is, whether it is done, and what it links to."""

    kind: str  # prerequisite | lesson | quiz | assessment
    label: str
    done: bool
    target: str = ""  # the clause id (lesson), the cell key (prerequisite, quiz, assessment)


@dataclass(frozen=True)
class QuizStatus:
    """A person's level quiz in one cell: tries, the passing result, the round and its cooldown."""

    tries: tuple[tuple[ExamAttempt, AttemptResult | None], ...]
    passed: AttemptResult | None  # the best passing result that counts (after the last revocation)
    in_progress: ExamAttempt | None
    round_used: int  # failed tries in the current round
    per_round: int
    opens_on: date | None  # set while the round is used up: the day the next round opens

    @property
    def can_start(self) -> bool:
        return self.passed is None and (
            self.in_progress is not None or (self.opens_on is None and self.round_used < self.per_round)
        )


@dataclass
class CellState:
    """One cell for one person: its state, current award, checklist and the evidence behind it."""

    cell: SkillCell
    state: str  # locked | open | in_progress | achieved
    award: SkillLevelAward | None
    requirements: list[Requirement]
    quiz: QuizStatus
    open_request: SkillAssessmentRequest | None
    assessments: list[SkillAssessment]  # newest first
    awards: list[SkillLevelAward] = field(default_factory=list)  # every award, revoked ones too, newest first

    @property
    def label(self) -> str:
        return cell_label(self.cell.key)

    @property
    def passed_assessment(self) -> SkillAssessment | None:
        since = self._since()
        return next((a for a in self.assessments if a.passed and (since is None or a.signed_at > since)), None)

    @property
    def done_count(self) -> int:
        """How many items of the checklist are done."""
        return sum(1 for r in self.requirements if r.done)

    @property
    def lessons_done(self) -> bool:
        return all(r.done for r in self.requirements if r.kind == "lesson")

    @property
    def next_requirement(self) -> Requirement | None:
        return next((r for r in self.requirements if not r.done), None)

    def _since(self) -> datetime | None:
        revoked = [a.revocation.revoked_at for a in self.awards if a.revocation is not None]
        return max(revoked) if revoked else None


STATE_LABELS = {"locked": "未解锁", "open": "可开始", "in_progress": "进行中", "achieved": "已达成"}


def current_awards_query() -> Select:
    """(user_id, dimension, level, achieved_on) of every current level: awards without a revocation."""
    return (
        select(SkillLevelAward.user_id, SkillCell.dimension, SkillCell.level, SkillLevelAward.achieved_on)
        .join(SkillCell, SkillLevelAward.cell_id == SkillCell.id)
        .outerjoin(SkillLevelRevocation, SkillLevelRevocation.award_id == SkillLevelAward.id)
        .where(SkillLevelRevocation.id.is_(None))
    )


def achieved_cells(user_id: int) -> dict[str, date]:
    """The person's current levels: cell key ("communication/basic") -> the date achieved."""
    rows = db.session.execute(current_awards_query().where(SkillLevelAward.user_id == user_id)).all()
    return {f"{row.dimension}/{row.level}": row.achieved_on for row in rows}


@dataclass(frozen=True)
class CellDefinition:
    """A synced cell as the sync wrote it (the columns of `SkillCell`), shared read-only between requests."""

    id: int
    key: str
    dimension: str
    level: str
    position: int
    clause: str
    descriptor: str
    lessons: tuple[str, ...]
    quiz: dict
    assessment: dict
    prerequisite_key: str | None
    exam_id: int | None
    definition_hash: str
    tracks_hash: str
    prerequisite_label: str  # the checklist's fixed labels (_requirement_labels)
    quiz_label: str
    assessment_label: str


# The stored rows of the active cells (JSON as its text) -> their definitions. Keyed by every
# column as stored, so a sync on any node (or any other write) is seen by the next request here;
# reading those rows is one small Core select, where building ORM cells and decoding their five
# JSON columns each time was most of the /skills page's cost (tests/benchmarks/bench_skills.py).
_cell_cache: dict[tuple, tuple[CellDefinition, ...]] = {}
_CELL_COLUMNS = (
    SkillCell.id,
    SkillCell.key,
    SkillCell.dimension,
    SkillCell.level,
    SkillCell.position,
    SkillCell.clause,
    SkillCell.descriptor,
    cast(SkillCell.lessons, Text),
    cast(SkillCell.quiz, Text),
    cast(SkillCell.assessment, Text),
    SkillCell.prerequisite_key,
    SkillCell.exam_id,
    SkillCell.definition_hash,
    SkillCell.tracks_hash,
)
_ACTIVE_CELLS = select(*_CELL_COLUMNS).where(SkillCell.retired_at.is_(None)).order_by(SkillCell.position)


def active_cells() -> tuple[CellDefinition, ...]:
    """The synced cells in the file's order (the guide's), retired ones left out: one small select."""
    rows = tuple(tuple(row) for row in db.session.connection().execute(_ACTIVE_CELLS))
    cells = _cell_cache.get(rows)
    if cells is None:
        cells = tuple(_definition(row) for row in rows)
        _cell_cache.clear()  # one entry: the tracks as they stand now
        _cell_cache[rows] = cells
    return cells


def _definition(row: tuple) -> CellDefinition:
    *head, lessons, quiz, assessment, prerequisite_key, exam_id, definition_hash, tracks_hash = row
    quiz, assessment = _json(quiz) or {}, _json(assessment) or {}
    return CellDefinition(
        *head,
        lessons=tuple(_json(lessons) or ()),
        quiz=quiz,
        assessment=assessment,
        prerequisite_key=prerequisite_key,
        exam_id=exam_id,
        definition_hash=definition_hash,
        tracks_hash=tracks_hash,
        **_requirement_labels(prerequisite_key, quiz, assessment),
    )


def _json(text: str | None):
    return json.loads(text) if text else None


def get_cell(dimension: str, level: str) -> SkillCell | None:
    """The active cell of `dimension` at `level`, or None."""
    if dimension not in SKILL_DIMENSIONS or level not in SKILL_LEVELS:
        return None
    return db.session.scalars(
        select(SkillCell).where(SkillCell.key == f"{dimension}/{level}", SkillCell.retired_at.is_(None))
    ).first()


# cell_states' statements, built once: the person is a bound parameter, so each request skips
# building the expressions and their cache keys.
_USER = bindparam("user_id")
_AWARDS = (
    select(SkillLevelAward)
    .outerjoin(SkillLevelAward.revocation)
    .where(SkillLevelAward.user_id == _USER)
    .order_by(SkillLevelAward.sequence.desc())
    .options(contains_eager(SkillLevelAward.revocation))
)
_LESSONS_READ = (
    select(Lesson.clause_id, Lesson.title, LessonProgress.completed_at.is_not(None))
    .outerjoin(LessonProgress, (LessonProgress.lesson_id == Lesson.id) & (LessonProgress.user_id == _USER))
    .where(Lesson.clause_id.in_(bindparam("clauses", expanding=True)), Lesson.retired_at.is_(None))
)
_QUIZ_TRIES = (
    select(ExamAttempt, AttemptResult)
    .join(Exam, ExamAttempt.exam_id == Exam.id)
    .outerjoin(AttemptResult, AttemptResult.attempt_id == ExamAttempt.id)
    .where(ExamAttempt.user_id == _USER, Exam.kind == ExamKind.LEVEL_QUIZ)
    .order_by(ExamAttempt.exam_id, ExamAttempt.number, AttemptResult.sequence)
)
# The person's open requests and their assessments in one select: every assessment answers a request
# of theirs. Assessments newest first; open requests (no assessment yet) come with None.
_REQUESTS_AND_ASSESSMENTS = (
    select(SkillAssessmentRequest, SkillAssessment)
    .outerjoin(SkillAssessment, SkillAssessment.request_id == SkillAssessmentRequest.id)
    .where(
        SkillAssessmentRequest.user_id == _USER,
        (SkillAssessmentRequest.status == RequestStatus.OPEN) | SkillAssessment.id.is_not(None),
    )
    .order_by(SkillAssessment.signed_at.desc(), SkillAssessment.id.desc(), SkillAssessmentRequest.id)
    .options(joinedload(SkillAssessment.signed_by).lazyload(User.role_rows))  # the signer's name only
)


class CellStates(list):
    """The person's cells (a list of CellState), with their level quiz attempts still in progress."""

    def __init__(self, states: list[CellState], open_attempts: list[ExamAttempt]):
        super().__init__(states)
        self.open_attempts = open_attempts

    def overdue(self, now: datetime) -> bool:
        """Whether a level quiz attempt of the person's is past its deadline plus grace (any cell's, retired too)."""
        return any(exam_attempts.is_overdue(attempt, now) for attempt in self.open_attempts)


def cell_states(user: User, today: date | None = None) -> CellStates:
    """Every active cell for `user`, in the guide's order: state, checklist, quiz, requests, assessments.

    A fixed number of statements whatever the history (cells, awards with their revocations,
    lessons and progress, attempts with their results, requests, assessments with their
    signers): the /skills page and the dashboard ask it.
    """
    today = today or clock.today()
    cells = active_cells()
    awards = _awards(user)
    current = {cell_id: next((a for a in rows if a.revocation is None), None) for cell_id, rows in awards.items()}
    achieved_keys = {cell.key for cell in cells if current.get(cell.id)}
    lessons = _lessons_read(user, {clause for cell in cells for clause in cell.lessons})
    tries, open_attempts = _quiz_tries(user)
    requests: dict[int, SkillAssessmentRequest] = {}
    assessments: dict[int, list[SkillAssessment]] = defaultdict(list)
    for request, assessment in db.session.execute(_REQUESTS_AND_ASSESSMENTS, {"user_id": user.id}):
        if assessment is not None:
            assessments[assessment.cell_id].append(assessment)
        if request.status == RequestStatus.OPEN:
            requests[request.cell_id] = request
    states = []
    for cell in cells:
        history = awards.get(cell.id, [])
        revoked = [a.revocation.revoked_at for a in history if a.revocation is not None]
        since = max(revoked) if revoked else None
        quiz = quiz_status(cell, tries.get(cell.exam_id, []), today, since)
        state = CellState(
            cell=cell,
            state="",
            award=current.get(cell.id),
            requirements=[],
            quiz=quiz,
            open_request=requests.get(cell.id),
            assessments=assessments.get(cell.id, []),
            awards=history,
        )
        state.requirements = _requirements(cell, state, lessons, achieved_keys)
        state.state = _state_of(cell, state, achieved_keys)
        states.append(state)
    return CellStates(states, open_attempts)


def _awards(user: User) -> dict[int, list[SkillLevelAward]]:
    """cell id -> the person's awards, newest first, each with its revocation (one joined select)."""
    awards: dict[int, list[SkillLevelAward]] = defaultdict(list)
    for award in db.session.scalars(_AWARDS, {"user_id": user.id}):
        awards[award.cell_id].append(award)
    return awards


def _lessons_read(user: User, clauses: set[str]) -> dict[str, tuple[str, bool]]:
    """clause id -> (title, completed) for the active lessons among `clauses` (a Core select: plain rows)."""
    if not clauses:
        return {}
    rows = db.session.connection().execute(_LESSONS_READ, {"user_id": user.id, "clauses": sorted(clauses)})
    return {clause_id: (title, bool(done)) for clause_id, title, done in rows}


def _quiz_tries(user: User) -> tuple[dict[int, list[tuple[ExamAttempt, AttemptResult | None]]], list[ExamAttempt]]:
    """(exam id -> the person's level quiz attempts in order, each with its current result; those in progress).

    One select of the attempts joined with their results, every level quiz (a retired cell's
    too: an attempt of it left past its deadline is still settled).
    """
    latest: dict[int, tuple[ExamAttempt, AttemptResult | None]] = {}
    for attempt, result in db.session.execute(_QUIZ_TRIES, {"user_id": user.id}):
        latest[attempt.id] = (attempt, result)  # the highest sequence comes last and wins
    tries: dict[int, list] = defaultdict(list)
    for attempt, result in latest.values():
        tries[attempt.exam_id].append((attempt, result))
    return tries, [attempt for attempt, _ in latest.values() if attempt.status == AttemptStatus.IN_PROGRESS]


def quiz_status(
    cell: SkillCell, tries: list[tuple[ExamAttempt, AttemptResult | None]], today: date, since: datetime | None = None
) -> QuizStatus:
    """Where the person stands with the cell's quiz (pure over their tries).

    A round allows `attempts` tries; when the last of them fails, the next round opens
    `cooldown_days` company-local days after the day it finished. Only results graded
    after `since` (the last revocation) count as a pass.
    """
    per_round, cooldown = int(cell.quiz.get("attempts", 2)), int(cell.quiz.get("cooldown_days", 7))
    round_used, opens_on, passed, in_progress = 0, None, None, None
    for attempt, result in tries:
        if opens_on is not None and clock.local_date(attempt.started_at) >= opens_on:
            round_used, opens_on = 0, None  # a try of the next round
        if attempt.status == AttemptStatus.IN_PROGRESS:
            in_progress = attempt
            continue
        if result is None:
            continue
        if result.passed and (since is None or result.graded_at > since):
            if passed is None or result.score > passed.score:
                passed = result
            continue
        if not result.passed:
            round_used += 1
            if round_used >= per_round:
                opens_on = clock.local_date(attempt.finished_at or result.graded_at) + timedelta(days=cooldown)
    if opens_on is not None and today >= opens_on:
        round_used, opens_on = 0, None
    return QuizStatus(tuple(tries), passed, in_progress, round_used, per_round, opens_on)


def _requirements(
    cell: CellDefinition, state: CellState, lessons: dict[str, tuple[str, bool]], achieved_keys: set[str]
) -> list[Requirement]:
    items = []
    if cell.prerequisite_key:
        items.append(
            Requirement(
                "prerequisite", cell.prerequisite_label, cell.prerequisite_key in achieved_keys, cell.prerequisite_key
            )
        )
    for clause in cell.lessons:
        if clause in lessons:  # a lesson retired since the sync cannot be read: it is not asked for
            title, done = lessons[clause]
            items.append(Requirement("lesson", f"阅读 {clause} {title}", done, clause))
    items.append(Requirement("quiz", cell.quiz_label, state.quiz.passed is not None, cell.key))
    items.append(Requirement("assessment", cell.assessment_label, state.passed_assessment is not None, cell.key))
    return items


def _requirement_labels(prerequisite_key: str | None, quiz: dict, assessment: dict) -> dict[str, str]:
    """The checklist's fixed labels of a cell (prerequisite, quiz, assessment), worked out once per sync."""
    pass_mark = Decimal(quiz.get("pass_mark", "80")).normalize()
    scenario = SCENARIO_TYPES.get(assessment.get("scenario"), "实践考核")
    return {
        "prerequisite_label": f"先达到{cell_label(prerequisite_key)}" if prerequisite_key else "",
        "quiz_label": f"通过等级测验（{pass_mark:f} 分及格）",
        "assessment_label": f"通过实践考核（{scenario}）并经评估人签字",
    }


def _state_of(cell: CellDefinition, state: CellState, achieved_keys: set[str]) -> str:
    if state.award is not None:
        return "achieved"
    if cell.prerequisite_key and cell.prerequisite_key not in achieved_keys:
        return "locked"
    started = (
        any(r.done for r in state.requirements if r.kind != "prerequisite")
        or state.quiz.tries
        or state.open_request is not None
        or state.assessments
    )
    return "in_progress" if started else "open"


def next_step(states: list[CellState]) -> tuple[CellState, Requirement] | None:
    """The rep's next step: the first missing item of the first cell in progress, else of the first open cell."""
    for wanted in ("in_progress", "open"):
        for state in states:
            if state.state == wanted and state.next_requirement is not None:
                return state, state.next_requirement
    return None


def state_of(user: User, cell: SkillCell) -> CellState:
    """One cell's state for `user` (reads all cells: the prerequisite's award counts)."""
    return next(state for state in cell_states(user) if state.cell.id == cell.id)


# --- level quizzes ---------------------------------------------------------------------------


def start_level_quiz(user: User, cell: SkillCell, now: datetime, rng: random.Random | None = None) -> ExamAttempt:
    """Resume the quiz attempt in progress or start one, if the cell is open and the round allows.

    Raises TrackError (locked, achieved, passed already), QuizCooldown (with the date the next
    round opens), or the exam engine's ExamError.
    """
    state = state_of(user, cell)
    if state.quiz.in_progress is None:
        _refuse_unless_open(state)
        if state.quiz.passed is not None:
            raise TrackError(f"您已通过{state.label}的等级测验（{state.quiz.passed.score:.0f} 分），无需再考。")
        if state.quiz.opens_on is not None:
            raise QuizCooldown(
                f"{state.label}等级测验本轮的 {state.quiz.per_round} 次机会已用完，"
                f"冷却期 {cell.quiz.get('cooldown_days', 7)} 天：{state.quiz.opens_on.isoformat()} 起可再次参加。",
                state.quiz.opens_on,
            )
    exam = db.session.get(Exam, cell.exam_id) if cell.exam_id else None
    if exam is None or exam.kind != ExamKind.LEVEL_QUIZ:
        raise TrackError("本格尚无等级测验，请联系人力资源部同步技能路径。")
    try:
        return exam_attempts.start_attempt(exam, user, now, rng)
    except PaperError:  # the bank lacks this level's questions (not synced yet): say so, not a 500
        raise TrackError("题库中本级的题目不足，暂时无法开始测验，请联系人力资源部同步题库。") from None


def _refuse_unless_open(state: CellState) -> None:
    if state.state == "achieved":
        raise TrackError(f"您已达到{state.label}。")
    if state.state == "locked":
        raise TrackError(f"请先达到{cell_label(state.cell.prerequisite_key)}，再开始{state.label}。")


def settle_overdue_quizzes(user: User, now: datetime) -> list[AttemptResult]:
    """Finish the person's level quiz attempts whose deadline plus grace has passed; their results.

    Called by the /skills pages (lms.database.settles_state): a rep who closed the tab sees the
    graded try, and a pass that completes a level is awarded.
    """
    results = []
    for attempt in db.session.scalars(
        select(ExamAttempt)
        .join(Exam, ExamAttempt.exam_id == Exam.id)
        .where(
            ExamAttempt.user_id == user.id,
            ExamAttempt.status == AttemptStatus.IN_PROGRESS,
            Exam.kind == ExamKind.LEVEL_QUIZ,
        )
    ):
        if exam_attempts.finish_if_overdue(attempt, now):
            result = exam_attempts.current_result(attempt)
            if result is not None:
                results.append(result)
                level_quiz_graded(result)
    return results


def level_quiz_graded(result: AttemptResult) -> SkillLevelAward | None:
    """Hook for the exam engine: a level quiz result was written (inside the grading transaction).

    Awards the level if this pass completes it; returns the new award or None. Safe to call
    more than once for the same result (the award exists by then).
    """
    cell = db.session.scalars(select(SkillCell).where(SkillCell.exam_id == result.exam_id)).first()
    if cell is None or not result.passed:
        return None
    user = db.session.get(User, result.user_id)
    return award_if_complete(user, cell, result.graded_at, by=None)


# --- assessments -----------------------------------------------------------------------------


def may_assess(assessor: User, request: SkillAssessmentRequest) -> bool:
    """Whether `assessor` may score and sign `request`.

    Never the person themselves. The assessor named on the request if they are the person's
    mentor or manager, or if HR assigned them; HR and admin may step in for any request.
    """
    person = request.user
    if assessor.id == person.id:
        return False
    if assessor.has_role(*STAFF_ADMIN_ROLES):
        return True
    if assessor.id != request.assessor_id:
        return False
    return request.assigned_by_id is not None or assessor.id in (person.mentor_id, person.manager_id)


def assessor_choices(user: User) -> list[User]:
    """Whom the rep may ask: their mentor and their manager (active, not themselves)."""
    ids = [i for i in (user.mentor_id, user.manager_id) if i and i != user.id]
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True)))}
    return [found[i] for i in dict.fromkeys(ids) if i in found]  # the mentor first, who usually assesses


def request_assessment(
    user: User, cell: SkillCell, assessor: User | None, now: datetime, assigned_by: User | None = None, note: str = ""
) -> SkillAssessmentRequest:
    """Ask `assessor` for the practical assessment of `cell`; HR (`assigned_by`) may name anyone.

    Raises TrackError: locked or achieved cell, an open request already, an assessment passed
    already, an assessor who is not the rep's mentor or manager (unless HR assigns), oneself.
    """
    if assessor is None or not assessor.active:
        raise TrackError("请选择评估人。", field="assessor")
    if assessor.id == user.id:
        raise TrackError("不能由本人评估自己。", field="assessor")
    if assigned_by is not None and not assigned_by.has_role(*STAFF_ADMIN_ROLES):
        raise NotAllowed("只有人力资源部可以指派评估人。")
    if assigned_by is None and assessor.id not in (user.mentor_id, user.manager_id):
        raise TrackError("评估人应是您的导师或主管；其他人选请联系人力资源部指派。", field="assessor")
    if len(note) > NOTE_MAX:
        raise TrackError(f"留言不能超过 {NOTE_MAX} 个字符。", field="note")
    state = state_of(user, cell)
    _refuse_unless_open(state)
    if state.passed_assessment is not None:
        raise TrackError(f"{state.label}的实践考核已通过，无需再申请。")
    if state.open_request is not None:
        if assigned_by is None:
            raise TrackError(f"已有一份待评估的申请（评估人：{state.open_request.assessor.name}）。")
        state.open_request.assessor_id, state.open_request.assigned_by_id = assessor.id, assigned_by.id
        db.session.flush()
        return state.open_request
    request = SkillAssessmentRequest(
        user_id=user.id,
        cell_id=cell.id,
        assessor_id=assessor.id,
        assigned_by_id=assigned_by.id if assigned_by else None,
        status=RequestStatus.OPEN.value,
        note=note.strip(),
        requested_at=now,
    )
    try:
        with db.session.begin_nested():  # two requests at once: the partial unique index keeps one
            db.session.add(request)
    except IntegrityError:
        raise TrackError("已有一份待评估的申请。") from None
    return request


def withdraw_request(user: User, request: SkillAssessmentRequest, now: datetime) -> None:
    """The rep withdraws their own open request (to ask someone else)."""
    if request.user_id != user.id:
        raise NotAllowed("只能撤回自己的申请。")
    changed = db.session.execute(
        update(SkillAssessmentRequest)
        .where(SkillAssessmentRequest.id == request.id, SkillAssessmentRequest.status == RequestStatus.OPEN)
        .values(status=RequestStatus.WITHDRAWN.value, closed_at=now)
    ).rowcount
    if changed != 1:
        raise TrackError("这份申请已评估或已撤回。")
    db.session.refresh(request)


def queue_for(assessor: User, everyone: bool = False) -> Select:
    """A select of open requests addressed to `assessor` (every open one with `everyone`, for HR), oldest first."""
    stmt = select(SkillAssessmentRequest).where(SkillAssessmentRequest.status == RequestStatus.OPEN)
    if not everyone:
        stmt = stmt.where(SkillAssessmentRequest.assessor_id == assessor.id)
    return stmt.order_by(SkillAssessmentRequest.requested_at, SkillAssessmentRequest.id)


@dataclass(frozen=True)
class CriterionScore:
    """One criterion as the assessor scored it."""

    key: str
    score: int | None
    comment: str


@dataclass(frozen=True)
class AssessmentEntry:
    """What an assessor entered: date, scenario run, one score and comment per criterion, evidence notes."""

    assessed_on: date | None
    scenario: str
    scenario_detail: str
    scores: tuple[CriterionScore, ...]
    evidence_md: str


def rubric_of(cell_or_data) -> dict:
    """The rubric dict of a cell row (or of an assessment's stored copy)."""
    data = cell_or_data.assessment if isinstance(cell_or_data, (SkillCell, CellDefinition)) else cell_or_data
    return data.get("rubric", {})


def weighted_result(rubric: dict, scores: dict[str, int]) -> tuple[Decimal, bool]:
    """(Σ weight × score / 100 to three places, reaches pass_threshold) for a stored rubric."""
    total = sum((Decimal(c["weight"]) * scores[c["key"]] for c in rubric["criteria"]), Decimal(0)) / 100
    return total.quantize(THREE_PLACES), total >= Decimal(rubric["pass_threshold"])


def _check_entry(rubric: dict, entry: AssessmentEntry, today: date) -> dict[str, int]:
    """Every problem of an entry as a TrackError on its field (the first found); the scores by key."""
    low, high = rubric["scale"]
    scores = {}
    by_key = {s.key: s for s in entry.scores}
    for criterion in rubric["criteria"]:
        given = by_key.get(criterion["key"])
        field_name = f"score_{criterion['key']}"
        if given is None or given.score is None:
            raise TrackError(f"请为「{criterion['name']}」打分（{low}–{high}）。", field=field_name)
        if isinstance(given.score, bool) or not isinstance(given.score, int) or not low <= given.score <= high:
            raise TrackError(f"「{criterion['name']}」的分数应在 {low}–{high} 之间。", field=field_name)
        if len(given.comment) > COMMENT_MAX:
            raise TrackError(f"评语不能超过 {COMMENT_MAX} 个字符。", field=f"comment_{criterion['key']}")
        scores[criterion["key"]] = given.score
    if set(by_key) - set(scores):
        raise TrackError("评分中有不属于本评分表的项目。")
    if entry.scenario not in SCENARIO_TYPES:
        raise TrackError("请选择实际进行的考核场景。", field="scenario")
    if not entry.scenario_detail.strip() or len(entry.scenario_detail) > SCENARIO_DETAIL_MAX:
        raise TrackError(f"请简述实际进行的场景（不超过 {SCENARIO_DETAIL_MAX} 个字符）。", field="scenario_detail")
    if entry.assessed_on is None or entry.assessed_on > today:
        raise TrackError("考核日期应是今天或之前的日期。", field="assessed_on")
    if len(entry.evidence_md) > EVIDENCE_MAX or entry.evidence_md.count("\n") >= EVIDENCE_MAX_LINES:
        raise TrackError(f"证据记录不能超过 {EVIDENCE_MAX} 个字符或 {EVIDENCE_MAX_LINES} 行。", field="evidence_md")
    return scores


def sign_assessment(
    request: SkillAssessmentRequest, assessor: User, entry: AssessmentEntry, now: datetime
) -> SkillAssessment:
    """Record and sign the assessment of `request`: scores, computed result, evidence; a skill_assessment fact.

    Exactly once per request: the request leaves "open" by a conditional UPDATE (a second
    signer finds it done and gets TrackError) and the assessment is unique per request.
    Awards the level if this completes it. Raises NotAllowed (self, not theirs), TrackError.
    """
    if not may_assess(assessor, request):
        raise NotAllowed("您不能评估这份申请。")
    rubric = rubric_of(request.cell)
    scores = _check_entry(rubric, entry, clock.local_date(now))
    claimed = db.session.execute(
        update(SkillAssessmentRequest)
        .where(SkillAssessmentRequest.id == request.id, SkillAssessmentRequest.status == RequestStatus.OPEN)
        .values(status=RequestStatus.ASSESSED.value, closed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise TrackError("这份申请已由他人签署或已撤回，未重复记录。")
    db.session.refresh(request)
    weighted, passed = weighted_result(rubric, scores)
    comments = {s.key: s.comment.strip() for s in entry.scores}
    assessment = SkillAssessment(
        request_id=request.id,
        user_id=request.user_id,
        cell_id=request.cell_id,
        signed_by_id=assessor.id,
        assessed_on=entry.assessed_on,
        scenario=entry.scenario,
        scenario_detail=entry.scenario_detail.strip(),
        scores={key: {"score": score, "comment": comments.get(key, "")} for key, score in scores.items()},
        rubric=rubric,
        weighted=weighted,
        passed=passed,
        evidence_md=entry.evidence_md,
        evidence_html=str(render_user_markdown(entry.evidence_md)),
        cell_hash=request.cell.definition_hash,
        signed_at=now,
    )
    db.session.add(assessment)
    db.session.flush()  # the unique request_id is the database's own guard against a second one
    append_fact(
        FactKind.SKILL_ASSESSMENT,
        subject_id=assessment.user_id,
        occurred_at=now,
        source=f"skill_assessment:{assessment.id}",
        payload=assessment_payload(assessment, request.cell, assessor),
        recorded_by_id=assessor.id,
    )
    if passed:
        award_if_complete(db.session.get(User, request.user_id), request.cell, now, by=assessor)
    return assessment


def assessment_payload(assessment: SkillAssessment, cell: SkillCell, signer: User) -> dict:
    """The skill_assessment fact's payload (lms.tracks.facts rebuilds the same)."""
    return {
        "cell": fact_cell(cell.key),
        "request_id": assessment.request_id,
        "scenario": assessment.scenario,
        "score": Decimal(assessment.weighted).quantize(THREE_PLACES),
        "passed": bool(assessment.passed),
        "assessed_on": assessment.assessed_on.isoformat(),
        "signed_by": signer.id,
        "signed_by_name": signer.name,
    }


def fact_cell(key: str) -> str:
    """A cell key as the facts write it: "communication/basic" -> "communication.basic"."""
    return key.replace("/", ".")


# --- achievements and revocations ------------------------------------------------------------


def award_if_complete(user: User, cell: SkillCell, now: datetime, by: User | None) -> SkillLevelAward | None:
    """Award `cell` to `user` if every requirement holds and no current award exists; else None.

    The award, its skill_level fact and the certificate settlement share the caller's
    transaction. Two completions at once give one award: (user, cell, sequence) is unique,
    and the loser's insert is rolled back to a savepoint.
    """
    state = state_of(user, cell)
    if state.award is not None or state.state == "locked" or state.next_requirement is not None:
        return None
    quiz, assessment = state.quiz.passed, state.passed_assessment
    sequence = (state.awards[0].sequence + 1) if state.awards else 1
    award = SkillLevelAward(
        user_id=user.id,
        cell_id=cell.id,
        sequence=sequence,
        achieved_on=clock.local_date(now),
        achieved_at=now,
        quiz_attempt_id=quiz.attempt_id,
        quiz_result_id=quiz.id,
        quiz_score=Decimal(quiz.score).quantize(TWO_PLACES),
        assessment_id=assessment.id,
        lessons=[r.target for r in state.requirements if r.kind == "lesson"],
        cell_hash=cell.definition_hash,
        tracks_hash=cell.tracks_hash,
    )
    try:
        with db.session.begin_nested():
            db.session.add(award)
            db.session.flush()
    except IntegrityError:
        return None  # another transaction awarded it first
    append_fact(
        FactKind.SKILL_LEVEL,
        subject_id=user.id,
        occurred_at=now,
        source=f"skill_level_award:{award.id}",
        payload=level_payload(award, cell, assessment),
        recorded_by_id=by.id if by else None,
    )
    _settle_certificate(user.id, by, None)
    return award


def level_payload(award: SkillLevelAward, cell: SkillCell, assessment: SkillAssessment, revocation=None) -> dict:
    """The skill_level fact's payload for an award (or its revocation); lms.tracks.facts rebuilds the same."""
    signer = assessment.signed_by or db.session.get(User, assessment.signed_by_id)
    payload = {
        "event": "revoked" if revocation is not None else "achieved",
        "cell": fact_cell(cell.key),
        "dimension": cell.dimension,
        "dimension_label": SKILL_DIMENSIONS.get(cell.dimension, cell.dimension),
        "level": cell.level,
        "level_label": SKILL_LEVELS.get(cell.level, cell.level),
        "achieved_on": award.achieved_on.isoformat(),
        "quiz": {
            "attempt_id": award.quiz_attempt_id,
            "result_id": award.quiz_result_id,
            "score": Decimal(award.quiz_score).quantize(TWO_PLACES),
        },
        "lessons": list(award.lessons),
        "assessment": {
            "id": assessment.id,
            "signed_by": signer.id,
            "signed_by_name": signer.name,
            "result": Decimal(assessment.weighted).quantize(THREE_PLACES),
        },
        "tracks_hash": award.tracks_hash,
    }
    if revocation is not None:
        payload["reason"] = revocation.reason
        payload["revoked_on"] = revocation.revoked_on.isoformat()
    return payload


def revoke_level(award: SkillLevelAward, hr: User, reason: str, now: datetime) -> SkillLevelRevocation:
    """HR revokes an award with a reason: a revocation row and a skill_level fact superseding the achievement.

    The award and its fact stay as they were. Raises NotAllowed (not HR), TrackError (no
    reason, already revoked).
    """
    if not hr.has_role(*STAFF_ADMIN_ROLES):
        raise NotAllowed("只有人力资源部可以撤销技能等级。")
    reason = (reason or "").strip()
    if not reason:
        raise TrackError("请填写撤销原因。", field="reason")
    if len(reason) > REASON_MAX:
        raise TrackError(f"撤销原因不能超过 {REASON_MAX} 个字符。", field="reason")
    if award.revocation is not None:
        raise TrackError("这一等级已被撤销。")
    revocation = SkillLevelRevocation(
        award_id=award.id, reason=reason, revoked_by_id=hr.id, revoked_at=now, revoked_on=clock.local_date(now)
    )
    try:
        with db.session.begin_nested():  # one revocation per award, whoever clicks first
            db.session.add(revocation)
            db.session.flush()
    except IntegrityError:
        raise TrackError("这一等级已被撤销。") from None
    db.session.expire(award, ["revocation"])  # loaded as None before: read it again
    source = f"skill_level_award:{award.id}"
    previous = current_fact(FactKind.SKILL_LEVEL, source)
    append_fact(
        FactKind.SKILL_LEVEL,
        subject_id=award.user_id,
        occurred_at=now,
        source=source,
        payload=level_payload(award, award.cell, award.assessment, revocation),
        recorded_by_id=hr.id,
        supersedes=previous,
    )
    _settle_certificate(award.user_id, hr, reason)
    return revocation


def current_fact(kind: FactKind, source: str) -> RecordEntry | None:
    """The current ledger entry of `kind` for `source`: the latest one no entry supersedes."""
    later = aliased(RecordEntry)
    return db.session.scalars(
        select(RecordEntry)
        .where(
            RecordEntry.kind == kind.value,
            RecordEntry.source == source,
            ~select(later.seq).where(later.supersedes_seq == RecordEntry.seq).exists(),
        )
        .order_by(RecordEntry.seq.desc())
        .limit(1)
    ).first()


def _settle_certificate(user_id: int, by: User | None, reason: str | None) -> None:
    """Tell the certificates (issue 13, 7) the person's current levels, if that package is installed."""
    if importlib.util.find_spec("lms.certificates") is None or importlib.util.find_spec(CERTIFICATES) is None:
        return  # the certificates package is not there yet; an error inside it is not hidden
    settle_certificate = importlib.import_module(CERTIFICATES).settle_certificate
    settle_certificate(user_id, achieved_cells(user_id), by_id=by.id if by else None, reason=reason)
