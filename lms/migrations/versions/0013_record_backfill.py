"""Development-incentive record: facts backfilled from data older than the ledger (issue 14, 2).

For every result that existed before the features wrote facts, append the fact
it would have written, marked `backfilled`, recorded by the system: the
current result of each finished exam attempt (not level quizzes), each rep who
finished the onboarding program, each published case review, each case's
summary at its third distinct rater, and each attendance at a sharing
session. A (kind, source) that already has a fact is left alone, so running
it on a database whose features already wrote facts adds nothing, and an empty
database gets nothing.

The rows are read with tables declared here as they stand at this revision
(a later model may have columns this database does not have yet). The
payloads come from the features' pure builders (lms.exams.facts.graded_payload
and the others), so backfilled facts are exactly what `lms record rebuild
--check` expects; they take plain values, never models. The chain is extended
with lms.record.hashing, the same pure functions `append_fact` uses. Reusing
them is safe, not a copy kept for stability: the canonical encoding can never
change, since every hash already in every ledger depends on it (tests/record
pin it), so today's version is the one this migration must use. On PostgreSQL
the append takes the ledger's advisory lock, as append_fact does.

Downgrade leaves the facts: the ledger is append-only (its triggers refuse
DELETE), and upgrading again skips sources that already have a fact.

Written by hand.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:40:00

"""
import logging

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

APPEND_LOCK_KEY = 0x6C6D_735F_7265_636F  # lms.record.service.APPEND_LOCK_KEY
CHUNK = 1000

record_entry = sa.table(
    'record_entry',
    sa.column('seq', sa.Integer), sa.column('subject_id', sa.Integer), sa.column('kind', sa.String),
    sa.column('occurred_at', sa.DateTime), sa.column('recorded_at', sa.DateTime),
    sa.column('recorded_by_id', sa.Integer), sa.column('source', sa.String), sa.column('payload', sa.Text),
    sa.column('supersedes_seq', sa.Integer), sa.column('backfilled', sa.Boolean),
    sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
)
user = sa.table(
    'user', sa.column('id', sa.Integer), sa.column('hire_date', sa.Date),
    sa.column('onboarding_exempt', sa.Boolean),
)
user_role = sa.table('user_role', sa.column('user_id', sa.Integer), sa.column('role', sa.String))
lesson = sa.table('lesson', sa.column('id', sa.Integer), sa.column('clause_id', sa.String),
                  sa.column('retired_at', sa.DateTime))
lesson_progress = sa.table('lesson_progress', sa.column('user_id', sa.Integer), sa.column('lesson_id', sa.Integer),
                           sa.column('completed_at', sa.DateTime))
exam = sa.table('exam', sa.column('id', sa.Integer), sa.column('key', sa.String), sa.column('title', sa.String),
                sa.column('quarter', sa.String), sa.column('pass_mark', sa.Numeric(6, 2)), sa.column('kind', sa.String))
exam_attempt = sa.table('exam_attempt', sa.column('id', sa.Integer), sa.column('number', sa.Integer))
attempt_result = sa.table(
    'attempt_result', sa.column('id', sa.Integer), sa.column('attempt_id', sa.Integer),
    sa.column('exam_id', sa.Integer), sa.column('user_id', sa.Integer), sa.column('score', sa.Numeric(6, 2)),
    sa.column('passed', sa.Boolean), sa.column('reason', sa.String), sa.column('supersedes_id', sa.Integer),
    sa.column('graded_at', sa.DateTime),
)
case_review = sa.table(
    'case_review', sa.column('id', sa.Integer), sa.column('author_id', sa.Integer),
    sa.column('published_number', sa.Integer), sa.column('published_at', sa.DateTime),
    sa.column('first_published_at', sa.DateTime),
)
case_version = sa.table('case_version', sa.column('case_id', sa.Integer), sa.column('number', sa.Integer),
                        sa.column('title', sa.String))
case_rating = sa.table(
    'case_rating', sa.column('id', sa.Integer), sa.column('case_id', sa.Integer), sa.column('rater_id', sa.Integer),
    sa.column('quality', sa.SmallInteger), sa.column('application', sa.SmallInteger),
    sa.column('engagement', sa.SmallInteger), sa.column('improvement', sa.SmallInteger),
    sa.column('created_at', sa.DateTime),
)
sharing_session = sa.table('sharing_session', sa.column('id', sa.Integer), sa.column('month', sa.String),
                           sa.column('title', sa.String), sa.column('held_on', sa.Date))
sharing_attendance = sa.table('sharing_attendance', sa.column('session_id', sa.Integer),
                              sa.column('user_id', sa.Integer), sa.column('attended', sa.Boolean))


def upgrade():
    from lms import clock
    from lms.record import hashing

    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        bind.execute(sa.text('SELECT pg_advisory_xact_lock(:key)'), {'key': APPEND_LOCK_KEY})
    known = {(kind, source) for kind, source in bind.execute(sa.select(record_entry.c.kind, record_entry.c.source))}
    facts = [fact for fact in _all_facts(bind) if (fact['kind'], fact['source']) not in known]
    if not facts:
        return
    facts.sort(key=lambda fact: (fact['occurred_at'], fact['kind'], fact['source']))
    head = bind.execute(
        sa.select(record_entry.c.seq, record_entry.c.hash).order_by(record_entry.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, hashing.GENESIS)
    recorded_at, rows = clock.now(), []
    for fact in facts:
        seq += 1
        fields = hashing.EntryFields(
            seq=seq, subject_id=fact['subject_id'], kind=fact['kind'], occurred_at=fact['occurred_at'],
            recorded_at=recorded_at, recorded_by=None, source=fact['source'],
            payload=hashing.canonical_json(fact['payload']), supersedes=None, backfilled=True, prev_hash=prev_hash,
        )
        entry_hash = hashing.entry_hash(fields)
        rows.append({
            'seq': seq, 'subject_id': fields.subject_id, 'kind': fields.kind, 'occurred_at': fields.occurred_at,
            'recorded_at': recorded_at, 'recorded_by_id': None, 'source': fields.source, 'payload': fields.payload,
            'supersedes_seq': None, 'backfilled': True, 'prev_hash': prev_hash, 'hash': entry_hash,
        })
        prev_hash = entry_hash
    for start in range(0, len(rows), CHUNK):
        bind.execute(record_entry.insert(), rows[start:start + CHUNK])


def downgrade():
    # The ledger is append-only: backfilled facts stay (see the module docstring).
    pass


def _all_facts(bind):
    yield from _exam_facts(bind)
    yield from _onboarding_facts(bind)
    yield from _case_facts(bind)
    yield from _attendance_facts(bind)


def _exam_facts(bind):
    from lms.exams.facts import graded_payload

    later = attempt_result.alias('later')
    has_kind = 'kind' in {column['name'] for column in sa.inspect(bind).get_columns('exam')}
    stmt = (
        sa.select(
            attempt_result.c.id, attempt_result.c.attempt_id, attempt_result.c.user_id, attempt_result.c.score,
            attempt_result.c.passed, attempt_result.c.reason, attempt_result.c.graded_at, exam_attempt.c.number,
            exam.c.key, exam.c.title, exam.c.quarter, exam.c.pass_mark,
        )
        .select_from(attempt_result.join(exam_attempt, attempt_result.c.attempt_id == exam_attempt.c.id)
                     .join(exam, attempt_result.c.exam_id == exam.c.id))
        .where(~sa.select(later.c.id).where(later.c.supersedes_id == attempt_result.c.id).exists())
    )
    if has_kind:
        stmt = stmt.where(sa.or_(exam.c.kind.is_(None), exam.c.kind != 'level_quiz'))
    for row in bind.execute(stmt):
        yield {
            'kind': 'exam_graded', 'subject_id': row.user_id, 'source': f'exam_attempt:{row.attempt_id}',
            'occurred_at': row.graded_at,
            'payload': graded_payload(
                exam_key=row.key, exam_title=row.title, quarter=row.quarter, attempt_number=row.number,
                score=row.score, passed=row.passed, pass_mark=row.pass_mark, result_id=row.id, reason=row.reason,
            ),
        }


def _onboarding_facts(bind):
    from flask import current_app

    from lms import clock
    from lms.onboarding.facts import finished_payload
    from lms.onboarding.program import ProgramError, program_in
    from lms.onboarding.service import add_months, parse_applies_from

    try:
        program = program_in(current_app.config['CONTENT_DIR'])
        applies_from = parse_applies_from(current_app.config.get('ONBOARDING_APPLIES_FROM'))
    except (ProgramError, ValueError) as error:
        logging.getLogger('alembic.runtime.migration').warning(
            '0013：入职培训计划无法读取，跳过完成入职培训的补录（lms record rebuild --check 会列出）：%s', error)
        return
    ids = dict(bind.execute(
        sa.select(lesson.c.clause_id, lesson.c.id)
        .where(lesson.c.clause_id.in_(program.clause_ids), lesson.c.retired_at.is_(None))
    ).all())
    lesson_ids = [ids[clause] for clause in program.clause_ids if clause in ids]
    if not lesson_ids:
        return
    is_rep = sa.select(user_role.c.user_id).where(user_role.c.user_id == user.c.id, user_role.c.role == 'rep').exists()
    finished = (
        sa.select(lesson_progress.c.user_id, sa.func.max(lesson_progress.c.completed_at).label('finished_at'))
        .where(lesson_progress.c.lesson_id.in_(lesson_ids), lesson_progress.c.completed_at.is_not(None))
        .group_by(lesson_progress.c.user_id)
        .having(sa.func.count() == len(lesson_ids))
        .subquery()
    )
    stmt = (
        sa.select(user.c.id, user.c.hire_date, finished.c.finished_at)
        .join(finished, finished.c.user_id == user.c.id)
        .where(user.c.hire_date.is_not(None), sa.or_(user.c.onboarding_exempt.is_(None),
                                                      user.c.onboarding_exempt.is_(False)), is_rep)
    )
    for person_id, hire_date, finished_at in bind.execute(stmt):
        if applies_from is not None and hire_date < applies_from:
            continue
        due = add_months(hire_date, program.due_months)
        yield {
            'kind': 'onboarding_finished', 'subject_id': person_id, 'source': f'user:{person_id}',
            'occurred_at': finished_at, 'payload': finished_payload(hire_date, due, clock.local_date(finished_at)),
        }


def _case_facts(bind):
    from lms.cases import facts as case_facts

    published = bind.execute(
        sa.select(case_review.c.id, case_review.c.author_id, case_review.c.published_at,
                  case_review.c.first_published_at, case_version.c.title, case_version.c.number)
        .select_from(case_review.join(case_version, sa.and_(
            case_version.c.case_id == case_review.c.id, case_version.c.number == case_review.c.published_number)))
    ).all()
    ratings = {}
    for row in bind.execute(sa.select(case_rating).order_by(case_rating.c.case_id, case_rating.c.id)):
        ratings.setdefault(row.case_id, []).append(row)
    for case_id, author_id, published_at, first_published_at, title, number in published:
        facts = [case_facts.published_fact(case_id, author_id, title, number, published_at, first_published_at, None)]
        summary = case_facts.summary_fact(case_id, author_id, title, ratings.get(case_id, []))
        for fact in facts + ([summary] if summary else []):
            yield case_facts.as_dict(fact)


def _attendance_facts(bind):
    from lms.cases import facts as case_facts

    stmt = (
        sa.select(sharing_attendance.c.user_id, sharing_session.c.id, sharing_session.c.title,
                  sharing_session.c.month, sharing_session.c.held_on)
        .select_from(sharing_attendance.join(sharing_session, sharing_attendance.c.session_id == sharing_session.c.id))
        .where(sharing_attendance.c.attended.is_(True))
    )
    for user_id, session_id, title, month, held_on in bind.execute(stmt):
        yield case_facts.as_dict(case_facts.attendance_fact(session_id, user_id, title, month, held_on))

