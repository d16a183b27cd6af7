"""Starting, autosaving, submitting and closing attempts, race-safe on SQLite and PostgreSQL.

Every state change is a conditional UPDATE or an INSERT guarded by a unique
constraint, never read-then-write:
- start: takes the person's row lock (PostgreSQL) or SQLite's write lock
  before counting their attempts, so two simultaneous starts run one after
  the other and the second resumes the first's attempt; the attempt number
  is unique per (exam, person) as well;
- autosave: `UPDATE exam_attempt … WHERE status='in_progress' AND deadline_at
  ≥ now − grace` first (on PostgreSQL it also locks the row, so a submit waits
  for the save to commit and grades it), then one UPDATE per answer row;
- submit / close: `UPDATE … SET status='finished' WHERE status='in_progress'`;
  only the request that changed the row grades, the others return that result.
Services flush and never commit; `now` is passed in (naive UTC).
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, inspect, select, text, true, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from lms import question_types
from lms.exams import definitions, options, paper, scoring, tallies
from lms.exams import facts as exam_facts
from lms.exams.errors import (
    AttemptFinished,
    AttemptLimitReached,
    ExamClosed,
    ExamNotOpen,
    NotEligible,
    UnknownQuestion,
)
from lms.extensions import db
from lms.models import (
    AttemptQuestion,
    AttemptResult,
    AttemptStatus,
    Exam,
    ExamAdjustment,
    ExamAttempt,
    FinishReason,
    Question,
    QuestionBank,
    QuestionChoice,
    User,
)
from lms.request_policy import parse_id


@dataclass
class SaveReport:
    """What an autosave stored, and field messages for what it refused (keyed by slot id)."""

    saved: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


def is_eligible(exam: Exam, user: User) -> bool:
    """Whether `user` must sit `exam`: active, holds an audience role, in an audience team if any."""
    audience = exam.audience or {}
    teams = audience.get("teams") or []
    return bool(
        user.active and user.has_role(*(audience.get("roles") or ["rep"])) and (not teams or user.team in teams)
    )


def deadline_for(exam: Exam, started_at: datetime) -> datetime:
    """min(start + time limit, window close): the server's deadline for an attempt."""
    return min(started_at + timedelta(minutes=exam.time_limit_minutes), exam.closes_at)


def accepts_answers(attempt: ExamAttempt, now: datetime) -> bool:
    """True while the attempt is in progress and its deadline plus grace has not passed."""
    return attempt.status == AttemptStatus.IN_PROGRESS and now <= attempt.deadline_at + timedelta(
        seconds=attempt.exam.grace_seconds
    )


# Prebuilt: an exam day starts a thousand attempts within seconds (see bench_exam_day.py).
_attempts, _slots, _results = ExamAttempt.__table__, AttemptQuestion.__table__, AttemptResult.__table__
_LOCK_PERSON = select(User.id).where(User.id == bindparam("user_id")).with_for_update()
# The person's attempts at an exam, as plain rows: one statement tells a start both
# whether one is in progress and how many were used.
_STARTED = select(_attempts.c.id, _attempts.c.status).where(
    _attempts.c.exam_id == bindparam("exam_id"), _attempts.c.user_id == bindparam("user_id")
)
_USED = select(func.count(ExamAttempt.id)).where(
    ExamAttempt.exam_id == bindparam("exam_id"), ExamAttempt.user_id == bindparam("user_id")
)
# Inserts without the ORM's unit of work, which cost more than the rows themselves while
# the write lock is held: the attempt's INSERT … RETURNING gives back only its id (the
# rest the start knows already), its paper is 50 plain rows.
_NEW_ATTEMPT = _attempts.insert().returning(_attempts.c.id)
_NEW_SLOTS = _slots.insert()
# On PostgreSQL the paper travels as one JSON document that the server unpacks into rows:
# psycopg's executemany encodes, sends and awaits every one of the 50 rows as a statement
# of its own, which made this insert the costliest step of a start (bench_exam_day.py).
_NEW_SLOTS_FROM_JSON = text(
    "INSERT INTO attempt_question (attempt_id, question_id, position, points, option_order) "
    "SELECT :attempt_id, slot.question_id, slot.position, slot.points, slot.option_order "
    "FROM json_to_recordset(CAST(:paper AS json)) "
    "AS slot(question_id integer, position integer, points numeric, option_order json)"
)
# The bank's state: a sync that adds, edits or retires a question changes it.
_BANK_STATE = select(
    func.count(Question.id).label("questions"),
    func.max(Question.id).label("last_id"),
    func.max(Question.updated_at).label("last_change"),
).where(Question.retired_at.is_(None))
_bank = _BANK_STATE.subquery()
_EXAM_AND_BANK = (
    select(Exam, _bank.c.questions, _bank.c.last_id, _bank.c.last_change)
    .join(_bank, true())
    .where(Exam.key == bindparam("key"))
)


def exam_to_start(key: str) -> tuple[Exam | None, tuple]:
    """The exam with `key` (retired ones included) and the bank's state, read in one round trip.

    Pass the state on to draw_paper_for, which then needs no query of its own
    to know whether its cached candidates are current.
    """
    row = db.session.execute(_EXAM_AND_BANK, {"key": key}).first()
    return (row[0], tuple(row[1:])) if row else (None, ())


def attempts_used(exam: Exam, user: User) -> int:
    """How many attempts the person has started for `exam`."""
    return db.session.scalar(_USED, {"exam_id": exam.id, "user_id": user.id}) or 0


def draw_paper_for(exam: Exam, rng: random.Random | None = None, bank_state: tuple = ()) -> list[paper.Slot]:
    """A new paper for `exam` (questions, points, option order), drawn by reading only.

    The start view draws before its write transaction, so that SQLite's write
    lock is held only for the few statements that store the attempt.
    `bank_state` is the state exam_to_start read (read here if not given).
    """
    # A generator seeded from the system's randomness: as unpredictable to the person as
    # SystemRandom, which would read os.urandom for every one of a paper's many choices.
    return _draw(exam, rng or random.Random(secrets.randbits(128)), bank_state)


def start_attempt(
    exam: Exam, user: User, now: datetime, rng: random.Random | None = None, drawn: list[paper.Slot] | None = None
) -> ExamAttempt:
    """Resume the attempt in progress, or start a new one with its paper fixed on the server.

    `drawn` is a paper from draw_paper_for (drawn here if not given).
    Raises NotEligible, ExamNotOpen, ExamClosed or AttemptLimitReached.
    """
    if not is_eligible(exam, user) or exam.retired_at is not None:
        raise NotEligible("您不在本次考试的应考名单中。")
    # Starts by one person run one at a time: lock their row first. Without it, a second
    # start could miss the first's attempt, then count it, and open attempt number 2 beside
    # it. SQLite needs no row lock: the next statement's BEGIN IMMEDIATE serialises writers.
    # The lock is a statement of its own on purpose: under READ COMMITTED only a statement
    # begun after the wait sees the attempt the other start inserted (a joined FOR UPDATE
    # OF "user" reads the attempts from its snapshot of before the wait).
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(_LOCK_PERSON, {"user_id": user.id})
    started = db.session.execute(_STARTED, {"exam_id": exam.id, "user_id": user.id}).all()
    for row in started:
        if row.status == AttemptStatus.IN_PROGRESS:
            attempt = db.session.get(ExamAttempt, row.id)
            if accepts_answers(attempt, now):
                return attempt
            finish_attempt(attempt, now, FinishReason.DEADLINE)
    if now < exam.opens_at:
        raise ExamNotOpen("考试尚未开始。")
    if now >= exam.closes_at:
        raise ExamClosed("考试已结束，不能再开始作答。")
    used = len(started)
    if used >= exam.attempts_allowed:
        raise AttemptLimitReached(f"本次考试最多可作答 {exam.attempts_allowed} 次，您已用完。")
    slots = drawn if drawn is not None else draw_paper_for(exam, rng)
    # No other start by this person can run between the count above and this INSERT (the
    # lock above); the unique attempt number stays as the database's own guard.
    values = {
        "exam_id": exam.id,
        "user_id": user.id,
        "number": used + 1,
        "status": AttemptStatus.IN_PROGRESS.value,
        "started_at": now,
        "deadline_at": deadline_for(exam, now),
    }
    attempt = ExamAttempt(
        id=db.session.execute(_NEW_ATTEMPT, values).scalar_one(),
        **values,
        saved_at=None,
        finished_at=None,
        finish_reason=None,
    )
    make_transient_to_detached(attempt)  # it is the row just stored: join the session as if loaded
    db.session.add(attempt)
    _store_paper(attempt.id, slots)
    return attempt


def _store_paper(attempt_id: int, slots: list[paper.Slot]) -> None:
    """Insert the attempt's paper: one row per slot, numbered from 1 in paper order."""
    rows = [
        {"question_id": slot.ref, "position": position, "points": slot.points, "option_order": list(slot.option_order)}
        for position, slot in enumerate(slots, start=1)
    ]
    if db.session.get_bind().dialect.name == "postgresql":
        # Points go as decimal strings: exact, as the numeric column stores them.
        db.session.execute(_NEW_SLOTS_FROM_JSON, {"attempt_id": attempt_id, "paper": json.dumps(rows, default=str)})
    else:  # SQLite runs in-process: its executemany is already cheap
        db.session.execute(_NEW_SLOTS, [{**row, "attempt_id": attempt_id} for row in rows])


# The bank's active questions as drawing candidates, per process, keyed by the bank's state
# (a sync that adds, edits or retires a question changes the key): a start then costs one
# small aggregate query instead of loading the whole bank and its choices again.
_candidates: dict[tuple, tuple] = {}


def _bank_candidates(
    bank_state: tuple = (),
) -> tuple[list[definitions.Candidate], dict[int, list[str]], frozenset[int]]:
    """(candidates, option keys per question in bank order, ids of questions with fixed options) for drawing."""
    state = (db.engine.url,) + (bank_state or tuple(db.session.execute(_BANK_STATE).one()))
    cached = _candidates.get(state)
    if cached is not None:
        return cached
    rows = db.session.execute(
        select(
            Question.id,
            QuestionBank.name,
            Question.clause,
            Question.chapter,
            Question.tags,
            Question.dimension,
            Question.level,
            Question.type,
        )
        .join(QuestionBank, Question.bank_id == QuestionBank.id)
        .where(Question.retired_at.is_(None))
        .order_by(Question.id)
    ).all()
    candidates = [
        definitions.Candidate(
            ref=r.id,
            bank=r.name,
            chapter=r.chapter,
            clause=r.clause,
            tags=tuple(r.tags or ()),
            dimension=r.dimension,
            level=r.level,
        )
        for r in rows
    ]
    kinds = {r.id: question_types.get(r.type) for r in rows}
    choice_types = {qid for qid, kind in kinds.items() if kind.uses_choices}
    fixed = frozenset(qid for qid, kind in kinds.items() if kind.fixed_options)
    keys: dict[int, list[str]] = {qid: list(kinds[qid].option_keys(())) for qid in fixed}
    if choice_types:
        for question_id, key in db.session.execute(
            select(QuestionChoice.question_id, QuestionChoice.key)
            .where(QuestionChoice.retired_at.is_(None), QuestionChoice.question_id.in_(choice_types))
            .order_by(QuestionChoice.question_id, QuestionChoice.position)
        ):
            keys.setdefault(question_id, []).append(key)
    _candidates.clear()  # only the bank's current state is worth keeping
    _candidates[state] = (candidates, keys, fixed)
    return _candidates[state]


def _draw(exam: Exam, rng: random.Random, bank_state: tuple) -> list[paper.Slot]:
    candidates, keys, fixed = _bank_candidates(bank_state)
    draws = [definitions.draw_from_blueprint(item) for item in exam.blueprint]
    slots = paper.draw_paper(draws, candidates, keys, rng, exam.shuffle_questions, exam.shuffle_options)
    # True/false is shown in a per-attempt order even when the exam keeps its choices in bank
    # order: a fixed 正确-first order would make "always the first option" a strategy.
    return [
        paper.Slot(s.ref, s.points, tuple(rng.sample(keys[s.ref], len(keys[s.ref])))) if s.ref in fixed else s
        for s in slots
    ]


def _clean(qtype: str, options: list, raw) -> tuple[dict | None, str | None]:
    """(response, None) for a valid raw answer, or (None, message). None response clears the answer."""
    return question_types.get(qtype).clean(raw, options)


# Prebuilt: an autosave is a few small statements, and building them cost more than running them.
_SLOTS = (
    select(AttemptQuestion.id, AttemptQuestion.option_order, Question.type, Exam.grace_seconds)
    .join(Question, AttemptQuestion.question_id == Question.id)
    .join(ExamAttempt, AttemptQuestion.attempt_id == ExamAttempt.id)
    .join(Exam, ExamAttempt.exam_id == Exam.id)
    .where(
        AttemptQuestion.attempt_id == bindparam("attempt_id"), AttemptQuestion.id.in_(bindparam("ids", expanding=True))
    )
)
_CLAIM = (
    update(_attempts)
    .where(
        _attempts.c.id == bindparam("attempt_id"),
        _attempts.c.status == AttemptStatus.IN_PROGRESS,
        _attempts.c.deadline_at >= bindparam("cutoff"),
    )
    .values(saved_at=bindparam("now"))
)
_SAVE = (
    update(_slots)
    .where(_slots.c.id == bindparam("slot_id"), _slots.c.attempt_id == bindparam("attempt"))
    .values(response=bindparam("new_response"), answered_at=bindparam("new_answered_at"))
)


def save_answers(attempt: ExamAttempt, answers: dict, now: datetime) -> SaveReport:
    """Store answers (slot id -> raw value) for an attempt still taking answers.

    Choice values are the attempt's option tokens (lms.exams.options); they are
    stored as bank keys. A bank key or another paper's token is refused per field.

    Raises UnknownQuestion if a slot id is not on this paper (nothing is
    saved), AttemptFinished after the deadline plus grace (the attempt is
    then finished and graded). Invalid values are reported per field and
    leave the stored answer untouched; the valid ones are saved.
    """
    try:
        ids = {parse_id(key): value for key, value in answers.items()}  # bounded: 20 digits never reach SQL
    except (TypeError, ValueError):
        raise UnknownQuestion("答案中有不属于本试卷的题目。") from None
    slots = {row.id: row for row in db.session.execute(_SLOTS, {"attempt_id": attempt.id, "ids": list(ids) or [0]})}
    if set(ids) - set(slots):
        raise UnknownQuestion("答案中有不属于本试卷的题目，未保存。请刷新页面。")
    grace = next(iter(slots.values())).grace_seconds if slots else attempt.exam.grace_seconds
    claimed = db.session.execute(
        _CLAIM, {"attempt_id": attempt.id, "cutoff": now - timedelta(seconds=grace), "now": now}
    ).rowcount
    if claimed != 1:
        db.session.refresh(attempt)
        if attempt.status == AttemptStatus.IN_PROGRESS:
            finish_attempt(attempt, now, FinishReason.DEADLINE)
        raise AttemptFinished("作答时间已到或已交卷，答案未能保存；之前保存的答案已计入成绩。")
    report = SaveReport()
    changes = []
    secret = options.app_secret()
    for slot_id, raw in ids.items():
        order = slots[slot_id].option_order
        if order:  # the page sends the attempt's tokens; unknown ones (bank keys included) are refused
            raw = options.decode(raw, options.tokens_for(attempt.id, slot_id, order, secret))
        response, problem = _clean(slots[slot_id].type, order, raw)
        if problem:
            report.errors[slot_id] = problem
            continue
        changes.append({"id": slot_id, "response": response, "answered_at": now if response else None})
        report.saved.append(slot_id)
    if changes:
        db.session.execute(
            _SAVE,
            [
                {
                    "slot_id": c["id"],
                    "attempt": attempt.id,
                    "new_response": c["response"],
                    "new_answered_at": c["answered_at"],
                }
                for c in changes
            ],
        )
    return report


def finish_attempt(attempt: ExamAttempt, now: datetime, reason: str = FinishReason.SUBMITTED) -> AttemptResult:
    """Finish and grade the attempt once; later calls (other tabs) get the same first result.

    A submit that arrives after the deadline plus grace is recorded as
    finished by the deadline: the answers saved in time are what count.
    """
    rules = db.session.execute(_RULES, {"exam_id": attempt.exam_id}).one()
    if reason == FinishReason.SUBMITTED and not (
        attempt.status == AttemptStatus.IN_PROGRESS
        and now <= attempt.deadline_at + timedelta(seconds=rules.grace_seconds)
    ):
        reason = FinishReason.DEADLINE
    changed = db.session.execute(_FINISH, {"attempt_id": attempt.id, "now": now, "reason": reason}).rowcount
    if changed != 1:
        db.session.refresh(attempt)
        return current_result(attempt)
    # What the UPDATE wrote, without reloading the row (answers were saved by plain UPDATEs: not on `attempt`).
    for name, value in (("status", AttemptStatus.FINISHED.value), ("finished_at", now), ("finish_reason", reason)):
        set_committed_value(attempt, name, value)
    result = grade_attempt(attempt, reason=reason, sequence=1, now=now, rules=rules)
    db.session.add(result)
    db.session.flush()
    tallies.record(result)
    exam_facts.record_result(result)  # last: the ledger's append turn is held until the commit
    return result


_RULES = select(Exam.grace_seconds, Exam.pass_mark, Exam.partial_credit).where(Exam.id == bindparam("exam_id"))
_FINISH = (
    update(_attempts)
    .where(_attempts.c.id == bindparam("attempt_id"), _attempts.c.status == AttemptStatus.IN_PROGRESS)
    .values(status=AttemptStatus.FINISHED.value, finished_at=bindparam("now"), finish_reason=bindparam("reason"))
)


def current_result(attempt: ExamAttempt) -> AttemptResult | None:
    """The latest grading fact of an attempt (None while it is in progress)."""
    return db.session.scalars(
        select(AttemptResult)
        .where(AttemptResult.attempt_id == attempt.id)
        .order_by(AttemptResult.sequence.desc())
        .limit(1)
    ).first()


def grading_items(attempt: ExamAttempt, adjustments: list[ExamAdjustment] | None = None) -> list[scoring.Item]:
    """The paper of `attempt` as scoring Items, with the exam's appeal adjustments applied."""
    if adjustments is None:
        adjustments = db.session.execute(_ADJUSTMENTS, {"exam_id": attempt.exam_id}).all()
    choices: dict[int, dict] = {}
    for question_id, key, correct, weight in db.session.execute(_PAPER_CHOICES, {"attempt_id": attempt.id}):
        choices.setdefault(question_id, {})[key] = (correct, weight)
    # plain rows: answers were saved by UPDATEs
    return _items(db.session.execute(_PAPER, {"attempt_id": attempt.id}), choices, adjustments)


def _items(rows, choices: dict[int, dict], adjustments) -> list[scoring.Item]:
    """Scoring Items from paper rows, the papers' choices (question id -> key -> (correct, weight)) and adjustments."""
    void = {a.question_id for a in adjustments if a.kind == "void"}
    accepted: dict[int, list[dict]] = {}
    for adjustment in adjustments:
        if adjustment.kind == "accept" and adjustment.accepted:
            accepted.setdefault(adjustment.question_id, []).append(adjustment.accepted)
    return [
        scoring.Item(
            ref=row.question_id,
            type=row.type,
            points=row.points,
            chapter=row.chapter,
            clause=row.clause,
            response=row.response,
            choices=choices.get(row.question_id, {}),
            answer=row.answer or {},
            void=row.question_id in void,
            also_accepted=tuple(accepted.get(row.question_id, ())),
        )
        for row in rows
    ]


# Prebuilt, and plain rows rather than objects: grading reads 50 slots, their questions and choices.
_PAPER = (
    select(
        AttemptQuestion.question_id,
        AttemptQuestion.points,
        AttemptQuestion.response,
        Question.type,
        Question.chapter,
        Question.clause,
        Question.answer,
    )
    .join(Question, AttemptQuestion.question_id == Question.id)
    .where(AttemptQuestion.attempt_id == bindparam("attempt_id"))
    .order_by(AttemptQuestion.position)
)
_PAPER_CHOICES = (
    select(QuestionChoice.question_id, QuestionChoice.key, QuestionChoice.correct, QuestionChoice.weight)
    .join(AttemptQuestion, AttemptQuestion.question_id == QuestionChoice.question_id)
    .where(AttemptQuestion.attempt_id == bindparam("attempt_id"))
    .order_by(QuestionChoice.question_id, QuestionChoice.position)
)
_ADJUSTMENTS = (
    select(ExamAdjustment.question_id, ExamAdjustment.kind, ExamAdjustment.accepted)
    .where(ExamAdjustment.exam_id == bindparam("exam_id"))
    .order_by(ExamAdjustment.id)
)


_PAPERS = (
    select(
        AttemptQuestion.attempt_id,
        AttemptQuestion.question_id,
        AttemptQuestion.points,
        AttemptQuestion.response,
        Question.type,
        Question.chapter,
        Question.clause,
        Question.answer,
    )
    .join(Question, AttemptQuestion.question_id == Question.id)
    .where(AttemptQuestion.attempt_id.in_(bindparam("ids", expanding=True)))
    .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)
)
_PAPERS_CHOICES = (
    select(QuestionChoice.question_id, QuestionChoice.key, QuestionChoice.correct, QuestionChoice.weight)
    .where(
        QuestionChoice.question_id.in_(
            select(AttemptQuestion.question_id)
            .where(AttemptQuestion.attempt_id.in_(bindparam("ids", expanding=True)))
            .distinct()
        )
    )
    .order_by(QuestionChoice.question_id, QuestionChoice.position)
)


def regrade_attempts(
    exam_id: int, attempt_ids: list[int], now: datetime, reason: str = "regrade", adjustment_id: int | None = None
) -> list[tuple[AttemptResult, AttemptResult | None]]:
    """A new result for each of the exam's finished attempts `attempt_ids`, superseding its current one.

    Reads every paper, choice, adjustment and current result in a fixed number of
    statements however many attempts there are (an accepted appeal regrades every
    attempt of the exam that had the question). Returns (new, previous) pairs; the
    new results are inserted as one statement (plain rows: the ORM would insert them
    one by one to learn their ids, which nobody needs); tallies are the caller's.
    """
    if not attempt_ids:
        return []
    rules = db.session.execute(_RULES, {"exam_id": exam_id}).one()
    adjustments = db.session.execute(_ADJUSTMENTS, {"exam_id": exam_id}).all()
    owners = dict(
        db.session.execute(select(ExamAttempt.id, ExamAttempt.user_id).where(ExamAttempt.id.in_(attempt_ids))).all()
    )
    current: dict[int, AttemptResult] = {}
    for result in db.session.scalars(
        select(AttemptResult)
        .where(AttemptResult.attempt_id.in_(attempt_ids))
        .order_by(AttemptResult.attempt_id, AttemptResult.sequence)
    ):
        current[result.attempt_id] = result  # the highest sequence wins
    choices: dict[int, dict] = {}
    for question_id, key, correct, weight in db.session.execute(_PAPERS_CHOICES, {"ids": attempt_ids}):
        choices.setdefault(question_id, {})[key] = (correct, weight)
    papers: dict[int, list] = {}
    for row in db.session.execute(_PAPERS, {"ids": attempt_ids}):
        papers.setdefault(row.attempt_id, []).append(row)
    pairs = []
    for attempt_id in attempt_ids:
        previous = current.get(attempt_id)
        graded = scoring.grade(
            _items(papers.get(attempt_id, []), choices, adjustments), rules.pass_mark, rules.partial_credit
        )
        result = _result_of(
            graded, attempt_id, exam_id, owners[attempt_id], reason, previous.sequence + 1 if previous else 1, now
        )
        result.supersedes_id = previous.id if previous else None
        result.adjustment_id = adjustment_id
        pairs.append((result, previous))
    columns = [attr.key for attr in inspect(AttemptResult).column_attrs if attr.key != "id"]
    db.session.execute(_results.insert(), [{name: getattr(result, name) for name in columns} for result, _ in pairs])
    exam_facts.record_regrades([result for result, _ in pairs], adjustment_id)  # each supersedes its attempt's fact
    return pairs


def grade_attempt(
    attempt: ExamAttempt,
    reason: str,
    sequence: int,
    now: datetime,
    adjustments: list[ExamAdjustment] | None = None,
    rules=None,
) -> AttemptResult:
    """A new (unsaved) AttemptResult for the attempt's answers as they stand.

    `rules` is the exam's (grace_seconds, pass_mark, partial_credit) row when the caller has it.
    """
    if rules is None:
        rules = db.session.execute(_RULES, {"exam_id": attempt.exam_id}).one()
    result = scoring.grade(grading_items(attempt, adjustments), rules.pass_mark, rules.partial_credit)
    return _result_of(result, attempt.id, attempt.exam_id, attempt.user_id, reason, sequence, now)


def _result_of(
    result, attempt_id: int, exam_id: int, user_id: int, reason: str, sequence: int, now: datetime
) -> AttemptResult:
    """An unsaved AttemptResult row for a scoring result."""
    return AttemptResult(
        attempt_id=attempt_id,
        exam_id=exam_id,
        user_id=user_id,
        sequence=sequence,
        score=result.score,
        points_awarded=result.awarded,
        points_possible=result.possible,
        passed=result.passed,
        breakdown=result.breakdown,
        reason=reason,
        graded_at=now,
        items=[[i.ref, scoring._s(i.awarded), scoring._s(i.fraction), i.chosen, i.void] for i in result.items],
    )


def is_overdue(attempt: ExamAttempt, now: datetime) -> bool:
    """Whether the attempt is still in progress although its deadline plus grace has passed."""
    return attempt.status == AttemptStatus.IN_PROGRESS and not accepts_answers(attempt, now)


def finish_if_overdue(attempt: ExamAttempt, now: datetime) -> bool:
    """Lazily finish an attempt whose deadline plus grace has passed; True if it did."""
    if is_overdue(attempt, now):
        finish_attempt(attempt, now, FinishReason.DEADLINE)
        return True
    return False


def close_overdue(now: datetime) -> int:
    """Finish and grade every attempt past its deadline plus grace (for cron); returns how many."""
    closed = 0
    for exam in db.session.scalars(select(Exam)):
        cutoff = now - timedelta(seconds=exam.grace_seconds)
        for attempt in db.session.scalars(
            select(ExamAttempt).where(
                ExamAttempt.exam_id == exam.id,
                ExamAttempt.status == AttemptStatus.IN_PROGRESS,
                ExamAttempt.deadline_at < cutoff,
            )
        ):
            finish_attempt(attempt, now, FinishReason.DEADLINE)
            closed += 1
    return closed
