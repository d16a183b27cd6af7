"""Blind strategies against the shipped exam stay near chance and never pass (issue 12, §1).

Each strategy answers from what a rep's browser receives only (the options as
shown, their values, labels and texts), never from the bank. The shipped definition
(quizzes/exams/2026-Q4.yaml) draws from the shipped guide bank; 200 papers per
strategy go through the services (the page's own `paper_questions` and
`save_answers`), a few more through the real HTTP pages.

"Chance" is what the strategy would score if nothing it sees carried
information: 1/n for one of n options, 1/2 for true/false, and for multiple
choice the probability that its pick is the right set. Run with `-s` to see
the figures.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from decimal import Decimal
from statistics import mean

import pytest
from sqlalchemy import select

from lms import clock
from lms.auth.service import hash_password
from lms.exams import attempts, catalog, results
from lms.exams.definitions import load_definition
from lms.extensions import db as _db
from lms.models import Exam, Question, User
from tests.conftest import TEST_PASSWORD

from .exam_support import *  # noqa: F401,F403
from .exam_support import SHIPPED

PAPERS = 200
INSIDE_WINDOW = datetime(2026, 12, 2, 2, 0)  # UTC: the shipped exam is open (12-01 09:00 – 12-21 18:00 Beijing)


def _first(options, rng, kind):
    return [options[0].key] if options else []


def _smallest_value(options, rng, kind):
    """Always the option whose value sorts first: a fixed rule over the values themselves."""
    return [min(option.key for option in options)] if options else []


def _longest(options, rng, kind):
    """The option with the longest text (the first of equals): authors tend to qualify the right one."""
    return [max(options, key=lambda option: len(option.text)).key] if options else []


def _always_true(options, rng, kind):
    """正确 on true/false, otherwise the first option shown."""
    if kind == "true_false":
        return [next(option.key for option in options if option.text == "正确")]
    return [options[0].key] if options else []


def _random(options, rng, kind):
    if not options:
        return []
    if kind == "multiple":
        while True:
            picked = [option.key for option in options if rng.random() < 0.5]
            if picked:
                return picked
    return [rng.choice(options).key]


def _chance_first(kind, n, right, truth):
    return Decimal(1) / n if kind != "multiple" or right == 1 else Decimal(0)


def _chance_random(kind, n, right, truth):
    return Decimal(1) / (2**n - 1) if kind == "multiple" else Decimal(1) / n


STRATEGIES = {
    "first option shown": (_first, _chance_first),
    "smallest value": (_smallest_value, _chance_first),
    "always 正确": (_always_true, _chance_first),
    "longest option": (_longest, _chance_first),
    "random": (_random, _chance_random),
}


@pytest.fixture
def shipped_exam(app, bank, frozen_now):
    """The shipped exam definition synced, with the clock inside its window."""
    frozen_now(INSIDE_WINDOW)
    with app.app_context():
        catalog.sync_exams([load_definition(SHIPPED)])
        _db.session.commit()
        return _db.session.scalars(select(Exam)).one().id


def _reps(count: int, prefix: str) -> list[int]:
    people = []
    for number in range(count):
        person = User(
            employee_no=f"{prefix}{number:04d}",
            name=f"代表{number}",
            email=f"{prefix}{number}@example.com",
            active=True,
        )
        person.set_roles({"rep"})
        people.append(person)
    _db.session.add_all(people)
    _db.session.commit()
    return [person.id for person in people]


def _play(exam_id: int, user_id: int, choose, chance, rng) -> tuple[Decimal, Decimal, list[bool]]:
    """One paper answered by `choose`: (score, chance score, true/false outcomes of 正确 picks)."""
    now = clock.now()
    attempt = attempts.start_attempt(
        _db.session.get(Exam, exam_id), _db.session.get(User, user_id), now, random.Random(rng.getrandbits(64))
    )
    answers, expected, tf = {}, Decimal(0), []
    for shown in results.paper_questions(attempt):
        question, options = shown.slot.question, shown.rep.options
        if options:
            picked = choose(options, rng, question.type)
            answers[shown.slot.id] = picked if question.type == "multiple" else picked[0]
            right = sum(1 for choice in question.choices if choice.correct) if question.type == "multiple" else 1
            expected += shown.slot.points * chance(question.type, len(options), right, None)
        if choose is _always_true and question.type == "true_false":
            tf.append(bool((question.answer or {}).get("truth")))
    report = attempts.save_answers(attempt, answers, now)
    result = attempts.finish_attempt(attempt, now, "submitted")
    _db.session.commit()
    assert not report.errors, report.errors
    return result.score, expected, tf


def test_blind_strategies_stay_near_chance_and_never_pass(app, shipped_exam):
    figures = {}
    with app.app_context():
        pass_mark = _db.session.get(Exam, shipped_exam).pass_mark
        for index, (name, (choose, chance)) in enumerate(STRATEGIES.items()):
            rng = random.Random(1000 + index)
            scores, expected, tf = [], [], []
            for user_id in _reps(PAPERS // 2, f"S{index}-"):
                for _ in range(2):  # the exam allows two attempts
                    score, chance_score, truths = _play(shipped_exam, user_id, choose, chance, rng)
                    scores.append(score)
                    expected.append(chance_score)
                    tf += truths
            figures[name] = (mean(scores), mean(expected), max(scores))
            print(
                f"\n{name}: mean {mean(scores):.1f} (chance {mean(expected):.1f}), best {max(scores)} "
                f"of {len(scores)} papers"
            )
            assert len(scores) == PAPERS
            assert max(scores) < pass_mark, f"{name} passed the exam blind"
            # 200 papers: the mean's standard error is about half a point, so 3 points is far out of chance
            assert abs(mean(scores) - mean(expected)) < 3, f"{name}: {mean(scores)} against chance {mean(expected)}"
            if tf:  # 正确 is right as often as 错误 in the bank the exam draws from
                print(f"  正确 was right on {sum(tf)}/{len(tf)} true/false questions drawn")
                assert 0.35 <= sum(tf) / len(tf) <= 0.65
    assert all(best < pass_mark for _, _, best in figures.values())


# --- the same through the real pages ----------------------------------------------------

_INPUT = re.compile(
    r'<input type="(radio|checkbox)" name="q-(\d+)" value="([^"]*)"[^>]*>'
    r"\s*(?:<span[^>]*>[^<]*</span>)?\s*([^<]*)</label>"
)


def _paper_over_http(client, attempt_id: int) -> dict[str, list[tuple[str, str, str]]]:
    """slot id -> [(input type, value, label text)] in the order shown, from every page of the paper."""
    first = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    pages = int(re.search(r"第 1 / (\d+) 页", first).group(1))
    found: dict[str, list] = {}
    for page in range(1, pages + 1):
        html = first if page == 1 else client.get(f"/exams/attempts/{attempt_id}?page={page}").get_data(as_text=True)
        for slot in re.findall(r'data-slot="(\d+)"', html):
            found.setdefault(slot, [])
        for kind, slot, value, label in _INPUT.findall(html):
            found[slot].append((kind, value, label.strip()))
        assert not re.search(r"data-(?!slot|type|autosave-url|deadline|now|result-url)[a-z-]+=", html)
    return found


@pytest.mark.parametrize("name", ["first option shown", "always 正确", "random"])
def test_blind_strategies_over_http(app, client, auth, shipped_exam, name):
    with app.app_context():
        user_id = _reps(1, "H-")[0]
        person = _db.session.get(User, user_id)
        person.password_hash = hash_password(TEST_PASSWORD)
        keys = {key for (key,) in _db.session.execute(select(Question.key))}
        _db.session.commit()
        employee_no = person.employee_no
    auth.login(employee_no)
    rng = random.Random(7)
    token = client.csrf_token()
    for _ in range(2):
        started = client.post_form(f"/exams/{_db_key(app, shipped_exam)}/start")
        attempt_id = int(re.search(r"/exams/attempts/(\d+)", started.headers["Location"]).group(1))
        answers = {}
        for slot, inputs in _paper_over_http(client, attempt_id).items():
            values = [value for _, value, _ in inputs]
            assert not set(values) & ({"a", "b", "c", "d", "e", "true", "false"} | keys)
            if not inputs:
                continue
            if name == "first option shown":
                pick = values[0]
            elif name == "always 正确" and "正确" in [label for _, _, label in inputs]:
                pick = next(value for _, value, label in inputs if label == "正确")
            else:
                pick = values[0] if name != "random" else rng.choice(values)
            answers[slot] = [pick] if inputs[0][0] == "checkbox" else pick
        reply = client.post(
            f"/exams/attempts/{attempt_id}/answers", json={"answers": answers}, headers={"X-CSRFToken": token}
        )
        assert reply.status_code == 200 and set(reply.get_json()) == {"saved", "errors", "saved_at"}
        assert client.post_form(f"/exams/attempts/{attempt_id}/submit").status_code == 302
        page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
        score = Decimal(re.search(r'result-score"><strong>([\d.]+)</strong>', page).group(1))
        print(f"\nHTTP {name}: {score}")
        assert score < 80 and "未通过" in page


def _db_key(app, exam_id: int) -> str:
    with app.app_context():
        return _db.session.get(Exam, exam_id).key
