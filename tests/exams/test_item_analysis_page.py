"""The item-analysis page shows, row by row, what the plain definition and the question bank give."""

import random
import re

import pytest
from flask import url_for
from markupsafe import escape
from sqlalchemy import select

from lms.exams import analysis
from lms.exams.manage_views import url_maker
from lms.extensions import db as _db
from lms.models import AttemptResult, Question
from lms.question_bank.loader import QUESTION_TYPES

from .exam_support import *  # noqa: F401,F403
from .test_manage_and_appeals import _sit

ROW = re.compile(
    r'<tr( class="flagged")?>\s*<td><a href="([^"]+)">([^<]+)</a><br><span class="hint">([^<]*)</span></td>\s*'
    r'<td><a href="([^"]+)">([^<]+)</a></td>\s*<td>([^<]*)</td>\s*<td>(\d+)</td>\s*<td>([^<]+)</td>\s*'
    r"<td>([^<]+)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>"
)


def _expected_rows(exam):
    """The page's rows as the plain definition over the current results, and the bank, give them."""
    latest = {}
    for result in _db.session.scalars(select(AttemptResult).where(AttemptResult.exam_id == exam.id)):
        if result.attempt_id not in latest or result.sequence > latest[result.attempt_id].sequence:
            latest[result.attempt_id] = result
    stats = analysis.analyse([(float(r.score), r.items) for r in latest.values()])
    questions = {q.id: q for q in _db.session.scalars(select(Question).where(Question.id.in_(list(stats))))}
    rows = []
    for qid, item in stats.items():
        question = questions[qid]
        if question.type == "true_false":
            truth = "true" if question.answer.get("truth") else "false"
            options = [
                (label, item.options.get(key, 0), key == truth) for key, label in (("true", "正确"), ("false", "错误"))
            ]
        else:
            choices = sorted(question.choices, key=lambda c: c.position)
            options = [(c.key.upper(), item.options.get(c.key, 0), c.correct) for c in choices]
        shown_options = (
            "".join(
                f'<span class="tag{" tag-key" if right else ""}">{label} {count}</span>'
                for label, count, right in options
            )
            or "—"
        )
        stem = question.stem if len(question.stem) <= 45 else question.stem[:39] + "…"
        rows.append(
            (
                ' class="flagged"' if item.flags else "",
                url_for("question_bank.show_question", key=question.key),
                question.key,
                str(escape(stem)),
                url_for("courses.lesson", clause_id=question.clause),
                question.clause,
                QUESTION_TYPES[question.type],
                str(item.answered),
                f"{item.facility:.2f}",
                f"{item.discrimination:.2f}",
                shown_options,
                "".join(f'<span class="tag tag-warn">{flag}</span>' for flag in item.flags),
            )
        )
    rows.sort(key=lambda row: ([int(part) for part in row[5].split(".")], row[2]))
    return rows


def test_item_analysis_page_rows_equal_the_definition(app, client, auth, make_user, exam_factory, monkeypatch):
    monkeypatch.setattr(analysis, "_cache", {})  # ids and counts repeat from one test database to the next
    hr = make_user(roles=("hr",))
    exam = exam_factory()
    auth.login(hr)
    assert "还没有已评分的答卷。" in client.get(f"/exams/manage/{exam.key}/items").get_data(as_text=True)
    rng = random.Random(6)
    with app.app_context():
        for seed in range(8):
            _sit(exam, make_user(), right_count=rng.randint(0, 10), seed=seed)
    page = client.get(f"/exams/manage/{exam.key}/items").get_data(as_text=True)
    shown = ROW.findall(page)
    with app.test_request_context():
        expected = _expected_rows(exam)
    assert len(expected) > 10 and any(row[0] for row in expected) and any(not row[0] for row in expected)
    assert any("正确" in row[10] for row in expected) and any("tag-key" in row[10] for row in expected)
    assert any(row[3].endswith("…") for row in expected)
    assert shown == expected


@pytest.mark.parametrize("value", ["g1.2-01", "a b", "条款", "x?y#z&q=1", "100%", "a/b", "~:@!$'()*+,;="])
def test_url_maker_builds_what_url_for_builds(app, value):
    with app.test_request_context("/", base_url="http://lms.example/prefix"):
        assert url_maker("question_bank.show_question", "key")(value) == url_for(
            "question_bank.show_question", key=value
        )
        assert url_maker("courses.lesson", "clause_id")(value) == url_for("courses.lesson", clause_id=value)
