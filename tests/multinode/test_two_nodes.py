"""Two gunicorn nodes on one PostgreSQL and one Redis behave as one application: sessions,
sign-in throttling, content and bank syncs, and an exam whose requests alternate between nodes."""

from __future__ import annotations

import dataclasses
import threading

from sqlalchemy import func, select

from lms.courses.sync import sync_lessons
from lms.extensions import db
from lms.models import AttemptResult, ExamAttempt, Lesson, Question
from lms.question_bank.sync import sync_banks
from tests.conftest import TEST_PASSWORD
from tests.exams.exam_support import *  # noqa: F403 (bank, exam_factory, frozen_now, answer_for, paper_of)
from tests.exams.exam_support import _guide_banks
from tests.multinode.conftest import ACCOUNT_LIMIT
from tests.multinode.servers import Visitor


def test_a_session_started_on_one_node_works_on_the_other_and_ends_on_both(nodes, make_user):
    first, second = nodes
    person = make_user()
    visitor = Visitor()
    assert visitor.sign_in(first, person.employee_no, TEST_PASSWORD).status == 302
    assert visitor.get(second, "/account/password").status == 200

    assert visitor.post_form(second, "/logout").status == 302
    after = visitor.get(first, "/account/password")
    assert after.status == 302 and "/login" in after.location


def test_failed_sign_ins_count_on_every_node(nodes, make_user):
    first, second = nodes
    person = make_user()
    visitor = Visitor()
    statuses = [
        visitor.post_form(node, "/login", {"login": person.employee_no, "password": "wrong-password-1"}).status
        for node in (first, second, first, second)
    ]
    assert statuses == [200] * ACCOUNT_LIMIT + [429]
    # The right password is refused too while the account is throttled, on either node.
    assert visitor.post_form(first, "/login", {"login": person.employee_no, "password": TEST_PASSWORD}).status == 429


def test_a_lesson_synced_on_one_node_is_served_new_by_both(app, nodes, make_user, make_lesson):
    make_lesson("5.2", body="## 旧标题\n\n旧的课时正文。")
    person = make_user()
    visitor = Visitor()
    visitor.sign_in(nodes[0], person.employee_no, TEST_PASSWORD)
    for node in nodes:  # each node renders the lesson and keeps it in its cache
        assert "旧的课时正文" in visitor.get(node, "/course/5.2").body

    with app.app_context():  # `lms content sync` run on one node: the same service, the same database
        row = db.session.scalars(select(Lesson).where(Lesson.clause_id == "5.2")).one()
        values = {
            "title": row.title,
            "chapter_no": row.chapter_no,
            "chapter_title": row.chapter_title,
            "position": row.position,
            "reading_minutes": row.reading_minutes,
            "body_md": "## 新标题\n\n同步后的课时正文。",
            "plain_text": "新标题 同步后的课时正文。",
            "source_hash": "f" * 64,
        }
        sync_lessons([("5.2", values)])
        db.session.commit()
    for node in nodes:
        page = visitor.get(node, "/course/5.2").body
        assert "同步后的课时正文" in page and "旧的课时正文" not in page, node.name


def test_a_bank_synced_on_one_node_is_drawn_and_shown_new_by_both(app, nodes, make_user, exam_factory):
    exam = exam_factory()
    people = [make_user() for _ in range(4)]
    visitors = [Visitor() for _ in people]
    for visitor, person, node in zip(visitors[:2], people[:2], nodes):
        visitor.sign_in(node, person.employee_no, TEST_PASSWORD)
        assert visitor.post_form(node, f"/exams/{exam.key}/start").status == 302  # candidates now cached

    # The sync keeps five chapter-2 questions, edits one stem and retires the rest of chapter 2.
    (guide,) = _guide_banks()
    chapter_two = [q for q in guide.questions if q.chapter == "2"]
    kept, edited = chapter_two[:5], dataclasses.replace(chapter_two[0], stem="【同步后】" + chapter_two[0].stem)
    questions = [edited if q is kept[0] else q for q in guide.questions if q.chapter != "2" or q in kept]
    with app.app_context():
        sync_banks([dataclasses.replace(guide, questions=tuple(questions))], {})
        db.session.commit()
        allowed = set(db.session.scalars(select(Question.id).where(Question.retired_at.is_(None))))
        edited_id = db.session.scalar(select(Question.id).where(Question.key == edited.id))

    for visitor, person, node in zip(visitors[2:], people[2:], reversed(nodes)):
        visitor.sign_in(node, person.employee_no, TEST_PASSWORD)
        started = visitor.post_form(node, f"/exams/{exam.key}/start")
        assert started.status == 302
        attempt_id = int(started.location.rstrip("/").split("/")[-1])
        with app.app_context():
            drawn = {slot.question_id for slot in paper_of(attempt_id)}  # noqa: F405
        assert drawn <= allowed, f"{node.name} drew retired questions"
        assert edited_id in drawn  # all five remaining chapter-2 questions are drawn
        pages = "".join(visitor.get(node, f"/exams/attempts/{attempt_id}?page={page}").body for page in (1, 2))
        assert "【同步后】" in pages, node.name


def test_an_exam_whose_requests_alternate_between_nodes_has_one_attempt_one_result_and_every_answer(
    app, nodes, make_user, exam_factory
):
    exam = exam_factory()
    person = make_user()
    visitor = Visitor()
    visitor.sign_in(nodes[0], person.employee_no, TEST_PASSWORD)
    first = visitor.post_form(nodes[0], f"/exams/{exam.key}/start")
    again = visitor.post_form(nodes[1], f"/exams/{exam.key}/start")  # resumes, never a second attempt
    assert first.status == again.status == 302 and first.location == again.location
    attempt_id = int(first.location.rstrip("/").split("/")[-1])

    with app.app_context():
        slots = paper_of(attempt_id)  # noqa: F405
        answers = {str(slot.id): answer_for(slot) for slot in slots}  # noqa: F405
    acknowledged = {}
    for number, (slot_id, answer) in enumerate(answers.items()):
        node = nodes[number % 2]
        visitor.get(node, f"/exams/attempts/{attempt_id}?page={number // 5 + 1}")
        reply = visitor.post_json(node, f"/exams/attempts/{attempt_id}/answers", {"answers": {slot_id: answer}})
        assert reply.status == 200, (node.name, reply.body)
        acknowledged[slot_id] = answer

    # Submitted on both nodes at the same moment: one result.
    statuses = []
    threads = [
        threading.Thread(
            target=lambda n=node: statuses.append(visitor.post_form(n, f"/exams/attempts/{attempt_id}/submit").status)
        )
        for node in nodes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]

    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(ExamAttempt).where(ExamAttempt.user_id == person.id))
            == 1
        )
        results = db.session.scalars(select(AttemptResult).where(AttemptResult.attempt_id == attempt_id)).all()
        assert len(results) == 1
        assert results[0].score == 100  # every answer was right and every one was kept
        stored = {str(slot.id): slot.response for slot in paper_of(attempt_id)}  # noqa: F405
    assert set(acknowledged) == set(stored) and all(stored.values())
    for node in nodes:
        assert visitor.get(node, f"/exams/attempts/{attempt_id}/result").status == 200
