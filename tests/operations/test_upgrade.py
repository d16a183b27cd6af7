"""Upgrades keep data (issue 15, 5): a database at the last release's schema, filled, upgraded to head, checked.

The database is built at RELEASED (0010, the landed release) by the
migrations and filled with Core inserts against its reflected tables, so
the data is what that release could hold, whatever today's models say:
people with managers and mentors, lesson progress, onboarding reminders, an
exam with attempts, results, a regrade after an appeal, cases with two
versions and three raters, a sharing session, ledger facts. After `upgrade`
to head every row of every table is still there with the same values, and
today's services compute the same figures from it (scores, pass counts,
onboarding progress, case ratings, the ledger chain).

When a later release lands, add a fill for the tables it brought (a
function like `_fill_0010`, run after upgrading to that revision) and its
figures to `_figures`; the row comparison covers every table by itself.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_migrate import upgrade
from sqlalchemy import JSON, MetaData, select

from lms.extensions import db
from lms.operations.backup import database_revision, head_revision
from lms.record import hashing

RELEASED = "0010"
NOW = datetime(2026, 11, 20, 2, 0)


class Filler:
    """Inserts rows into the reflected tables of the database as it is, returning new ids."""

    def __init__(self, connection):
        self.connection = connection
        self.metadata = MetaData()
        self.metadata.reflect(connection)

    def add(self, table_name: str, **values) -> int | None:
        table = self.metadata.tables[table_name]
        row = {
            name: json.dumps(value)
            if isinstance(value, (dict, list)) and not isinstance(table.c[name].type, JSON)
            else value
            for name, value in values.items()
        }
        result = self.connection.execute(table.insert().values(**row))
        return result.inserted_primary_key[0] if result.inserted_primary_key else None


def _stamp(**values):
    return {"created_at": NOW, "updated_at": NOW, **values}


def _fill_0010(filler: Filler) -> dict:
    """A small but complete team, as release 0010 stores it; returns the ids the checks need."""
    add = filler.add
    ids: dict = {}
    hr = add("user", **_stamp(employee_no="H001", name="人事", email="hr@example.com", active=True))
    managers = [
        add("user", **_stamp(employee_no=f"M00{i}", name=f"经理{i}", email=f"m{i}@example.com", active=True))
        for i in (1, 2)
    ]
    mentors = [
        add("user", **_stamp(employee_no=f"T00{i}", name=f"导师{i}", email=f"t{i}@example.com", active=True))
        for i in (1, 2)
    ]
    reps = [
        add(
            "user",
            **_stamp(
                employee_no=f"R{i:03d}",
                name=f"销售{i}",
                email=f"r{i}@example.com",
                active=True,
                team=f"华东{i % 2 + 1}组",
                hire_date=date(2026, 9, 1) + timedelta(days=12 * i),  # rep 5 on 2026-10-31: due after NOW
                manager_id=managers[i % 2],
                mentor_id=mentors[i % 2],
            ),
        )
        for i in range(6)
    ]
    for person, role in [(hr, "hr"), *((m, "manager") for m in managers), *((t, "mentor") for t in mentors)]:
        add("user_role", user_id=person, role=role)
    for rep in reps:
        add("user_role", user_id=rep, role="rep")
    ids.update(hr=hr, reps=reps, managers=managers, mentors=mentors)

    lessons = [
        add(
            "lesson",
            **_stamp(
                clause_id=clause,
                title=f"{clause} 课时",
                chapter_no=int(clause[0]),
                chapter_title=f"第{clause[0]}章",
                position=position,
                reading_minutes=3,
                body_md="正文。",
                plain_text="正文。",
                source_hash=f"{position:064d}",
            ),
        )
        for position, clause in enumerate(["1.1", "1.2", "2.1"], start=1)
    ]
    # Onboarding (lessons 1.1 and 1.2): rep 0 and 1 finished both, rep 2 one of them, the rest none.
    for rep, done in zip(reps, [2, 2, 1, 0, 0, 0], strict=True):
        for lesson in lessons[:done]:
            add("lesson_progress", user_id=rep, lesson_id=lesson, last_read_at=NOW, completed_at=NOW)
    add("lesson_progress", user_id=reps[3], lesson_id=lessons[2], last_read_at=NOW, completed_at=None)
    add("onboarding_reminder", user_id=reps[5], kind="overdue", recipient_id=managers[1], sent_at=NOW)
    ids["lessons"] = lessons

    bank = add("question_bank", **_stamp(name="guide", title="指南题库", description="", content_hash="b" * 64))
    questions = []
    for position in range(1, 5):
        question = add(
            "question",
            **_stamp(
                key=f"q{position}",
                bank_id=bank,
                position=position,
                source_file="guide.toml",
                type="single",
                stem=f"第 {position} 题？",
                text_format="markdown",
                points=Decimal(25),
                clause="2.1",
                chapter="2",
                quote="",
                explanation="",
                tags=[],
                answer={},
                content_hash=f"{position:064d}",
            ),
        )
        for key, correct in (("a", True), ("b", False)):
            add(
                "question_choice",
                question_id=question,
                key=key,
                position=1 if correct else 2,
                text=f"选项 {key}",
                correct=correct,
                weight=Decimal(1 if correct else 0),
                feedback="",
            )
        questions.append(question)
    exam = add(
        "exam",
        **_stamp(
            key="2026-Q3",
            title="第三季度考试",
            quarter="2026-Q3",
            opens_at=datetime(2026, 9, 1),
            closes_at=datetime(2026, 9, 30),
            time_limit_minutes=60,
            grace_seconds=30,
            attempts_allowed=2,
            pass_mark=Decimal(80),
            shuffle_questions=True,
            shuffle_options=True,
            review_policy="after_close",
            audience={"roles": ["rep"], "teams": []},
            blueprint=[{"count": 4, "points": "25", "chapter": "2"}],
            source_file="2026-Q3.yaml",
            definition_hash="e" * 64,
        ),
    )
    scores = [100, 75, 50, 25, 75]  # reps 0-4 (rep 5 never sat it); rep 1's 75 becomes 100 on appeal
    attempts = []
    for rep, score in zip(reps, scores, strict=False):
        started = datetime(2026, 9, 10, 2, 0)
        attempt = add(
            "exam_attempt",
            exam_id=exam,
            user_id=rep,
            number=1,
            status="finished",
            started_at=started,
            deadline_at=started + timedelta(hours=1),
            saved_at=started + timedelta(minutes=20),
            finished_at=started + timedelta(minutes=30),
            finish_reason="submitted",
        )
        right = score // 25
        for position, question in enumerate(questions, start=1):
            add(
                "attempt_question",
                attempt_id=attempt,
                question_id=question,
                position=position,
                points=Decimal(25),
                option_order=["a", "b"],
                response={"choices": ["a" if position <= right else "b"]},
                answered_at=started + timedelta(minutes=position),
            )
        add(
            "attempt_result",
            attempt_id=attempt,
            exam_id=exam,
            user_id=rep,
            sequence=1,
            score=Decimal(score),
            points_awarded=Decimal(score),
            points_possible=Decimal(100),
            passed=score >= 80,
            breakdown={},
            items=[],
            reason="submitted",
            graded_at=started + timedelta(minutes=30),
        )
        attempts.append(attempt)
    appeal = add(
        "exam_appeal",
        attempt_id=attempts[1],
        exam_id=exam,
        user_id=reps[1],
        question_id=questions[3],
        result_sequence=1,
        reason="第 4 题的标准答案有误。",
        created_at=datetime(2026, 9, 12),
        decide_by=datetime(2026, 9, 19),
    )
    decision = add(
        "exam_appeal_decision",
        appeal_id=appeal,
        outcome="accept",
        note="接受：选项 b 也对。",
        decided_by_id=hr,
        decided_at=datetime(2026, 9, 15),
        late=False,
    )
    adjustment = add(
        "exam_adjustment",
        exam_id=exam,
        question_id=questions[3],
        kind="accept",
        accepted=["b"],
        decision_id=decision,
        created_by_id=hr,
        created_at=datetime(2026, 9, 15),
    )
    first = filler.connection.execute(
        select(filler.metadata.tables["attempt_result"].c.id).where(
            filler.metadata.tables["attempt_result"].c.attempt_id == attempts[1]
        )
    ).scalar_one()
    add(
        "attempt_result",
        attempt_id=attempts[1],
        exam_id=exam,
        user_id=reps[1],
        sequence=2,
        score=Decimal(100),
        points_awarded=Decimal(100),
        points_possible=Decimal(100),
        passed=True,
        breakdown={},
        items=[],
        reason="regrade",
        supersedes_id=first,
        adjustment_id=adjustment,
        graded_at=datetime(2026, 9, 15),
    )
    ids.update(exam=exam, attempts=attempts)

    cases = []
    for number, author in enumerate(reps[:3], start=1):
        case = add(
            "case_review",
            **_stamp(
                author_id=author,
                status="published",
                published_number=number,
                first_published_at=datetime(2026, 10, number),
                published_at=datetime(2026, 10, number + 5),
            ),
        )
        for version in (1, 2):
            add(
                "case_version",
                **_stamp(
                    case_id=case,
                    number=version,
                    title=f"案例 {number}（第 {version} 版）",
                    outcome="success",
                    segment="stable",
                    tags=["续约"],
                    info="背景。",
                    analysis="分析。",
                    discussion="讨论。",
                    methods="方法。",
                    improvements="改进。",
                    created_by_id=author,
                    published_at=datetime(2026, 10, number + 5 * (version - 1)),
                    rendered_html={"info": "<p>背景。</p>", "analysis": "<p>分析。</p>"},
                ),
            )
        cases.append(case)
    # Case 0: three raters (a summary is shown); case 1: two (none yet); a replaced rating does not count.
    for case, raters in ((cases[0], reps[3:6]), (cases[1], reps[4:6])):
        for offset, rater in enumerate(raters):
            add(
                "case_rating",
                case_id=case,
                rater_id=rater,
                quality=3 + offset % 3,
                application=4,
                engagement=2 + offset,
                improvement=5,
                created_at=NOW,
            )
    add(
        "case_rating",
        case_id=cases[0],
        rater_id=reps[3],
        quality=1,
        application=1,
        engagement=1,
        improvement=1,
        created_at=NOW - timedelta(days=1),
        replaced_at=NOW,
    )
    session = add("sharing_session", **_stamp(month="2026-10", title="十月分享会", held_on=date(2026, 10, 28)))
    add("sharing_session_case", session_id=session, case_id=cases[0], position=1)
    for rep, attended in zip(reps[:4], [True, True, False, True], strict=True):
        add(
            "sharing_attendance", session_id=session, user_id=rep, attended=attended, recorded_by_id=hr, recorded_at=NOW
        )
    ids.update(cases=cases)

    prev = hashing.GENESIS
    for seq, rep in enumerate(reps[:3], start=1):
        payload = hashing.canonical_json({"award": "other", "title": "季度之星", "period": "2026-Q3"})
        fields = hashing.EntryFields(
            seq=seq,
            subject_id=rep,
            kind="award",
            occurred_at=NOW,
            recorded_at=NOW,
            recorded_by=hr,
            source=f"award:{seq}",
            payload=payload,
            supersedes=None,
            backfilled=False,
            prev_hash=prev,
        )
        prev = hashing.entry_hash(fields)
        add(
            "record_entry",
            seq=seq,
            subject_id=rep,
            kind="award",
            occurred_at=NOW,
            recorded_at=NOW,
            recorded_by_id=hr,
            source=f"award:{seq}",
            payload=payload,
            supersedes_seq=None,
            backfilled=False,
            prev_hash=fields.prev_hash,
            hash=prev,
        )
    ids["ledger_head"] = prev
    return ids


def _rows(connection) -> dict[str, dict]:
    """Every row of every table, keyed by primary key (or the whole row), as {column: value}."""
    metadata = MetaData()
    metadata.reflect(connection)
    rows = {}
    for name, table in metadata.tables.items():
        if name.startswith("case_fts") or name == "alembic_version":
            continue  # SQLite's search index (derived, rebuilt by lms cases) and the revision, which must change
        key_columns = list(table.primary_key.columns) or list(table.columns)
        rows[name] = {
            tuple(row[c.name] for c in key_columns): dict(row) for row in connection.execute(select(table)).mappings()
        }
    return rows


def _figures(app, ids, program_dir) -> dict:
    """What today's services compute from the data: scores, passes, onboarding, ratings, the ledger."""
    from lms.cases.service import rating_summary
    from lms.exams.attempts import current_result
    from lms.models import CaseReview, ExamAttempt, User
    from lms.onboarding.program import program_in
    from lms.onboarding.service import statuses_for
    from lms.record.service import verify_chain

    with app.app_context():
        attempts = [db.session.get(ExamAttempt, attempt_id) for attempt_id in ids["attempts"]]
        results = [current_result(attempt) for attempt in attempts]
        people = [db.session.get(User, rep) for rep in ids["reps"]]
        statuses = statuses_for(people, program_in(program_dir), date(2026, 11, 20), date(2026, 1, 1))
        summaries = [rating_summary(db.session.get(CaseReview, case)) for case in ids["cases"][:2]]
        chain = verify_chain()
        figures = {
            "scores": [result.score for result in results],
            "passed": sum(1 for result in results if result.passed),
            "onboarding": {status.person.employee_no: (status.done, status.total, status.state) for status in statuses},
            "raters": [summary.count for summary in summaries],
            "overall": summaries[0].overall,
            "ledger": (chain.ok, chain.count, chain.head_hash),
            "managers": [person.manager.employee_no for person in people],
            "mentors": [person.mentor.employee_no for person in people],
        }
        db.session.rollback()
        return figures


def test_an_upgrade_from_the_last_release_keeps_every_row_and_figure(app_on, new_database, tmp_path):
    program_dir = tmp_path / "content"
    program_dir.mkdir()
    (program_dir / "onboarding.yaml").write_text(
        'title: 新员工入职基础培训\ndue_months: 1\nlessons:\n  - "1.1"\n  - "1.2"\n', encoding="utf-8"
    )
    app = app_on(new_database(), revision=RELEASED)
    with app.app_context():
        with db.engine.begin() as connection:
            assert database_revision(connection) == RELEASED
            ids = _fill_0010(Filler(connection))
        with db.engine.connect() as connection:
            before = _rows(connection)
        upgrade()
        with db.engine.connect() as connection:
            assert database_revision(connection) == head_revision()
            after = _rows(connection)
        db.engine.dispose()

    for table, rows in before.items():
        assert table in after, f"table {table} is gone"
        for key, row in rows.items():
            kept = after[table].get(key)
            assert kept is not None, f"{table} {key} is gone"
            assert {column: kept[column] for column in row} == row, f"{table} {key} changed"

    figures = _figures(app, ids, program_dir)
    assert figures["scores"] == [Decimal(100), Decimal(100), Decimal(50), Decimal(25), Decimal(75)]
    assert figures["passed"] == 2
    assert figures["onboarding"] == {
        "R000": (2, 2, "已完成"),
        "R001": (2, 2, "已完成"),
        "R002": (1, 2, "已逾期"),
        "R003": (0, 2, "已逾期"),
        "R004": (0, 2, "已逾期"),
        "R005": (0, 2, "进行中"),
    }
    assert figures["raters"] == [3, 2]
    assert figures["overall"] == (4 + 4 + 3 + 5) / 4  # quality 3,4,5; application 4; engagement 2,3,4; improvement 5
    # The chain still verifies and starts with the release's three facts (the row check proved them unchanged);
    # migrations may append to it (0013 backfills facts from data older than the ledger).
    ok, count, _head = figures["ledger"]
    assert ok and count >= 3 and after["record_entry"][(3,)]["hash"] == ids["ledger_head"]
    assert figures["managers"] == ["M001", "M002", "M001", "M002", "M001", "M002"]
    assert figures["mentors"] == ["T001", "T002", "T001", "T002", "T001", "T002"]
