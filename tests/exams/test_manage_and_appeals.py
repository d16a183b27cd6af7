"""Roster, charts, CSV, item analysis, appeals with regrades, and the definition check."""

import random
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms import clock
from lms.exams import analysis, appeals, attempts
from lms.exams.definitions import DefinitionError, load_definition, load_definitions
from lms.exams.errors import AppealError
from lms.extensions import db as _db
from lms.models import Appeal, AttemptResult, User

from .exam_support import *  # noqa: F401,F403
from .exam_support import SHIPPED, answer_for, paper_of, start


def _sit(exam, user, right_count, seed=1):
    attempt = start(exam, user, seed)
    slots = paper_of(attempt.id)
    attempts.save_answers(attempt, {s.id: answer_for(s, i < right_count) for i, s in enumerate(slots)}, clock.now())
    attempts.finish_attempt(attempt, clock.now())
    _db.session.commit()
    return attempt


def test_shipped_definition_and_check(tmp_path):
    definition = load_definition(SHIPPED)
    assert definition.total_points == Decimal(100) and definition.question_count == 50
    assert definition.pass_mark == Decimal(80) and definition.attempts_allowed == 2
    assert definition.opens_at == datetime(2026, 12, 1, 1, 0)  # 09:00 Beijing time
    (tmp_path / "exams").mkdir()
    (tmp_path / "exams" / "bad.yaml").write_text(
        "title: 坏\nopens: 2026-12-01 09:00\ncloses: 2026-11-01 09:00\ntime_limit_minutes: 0\n"
        "draws:\n  - {chapter: '1', count: 3, points: 20}\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as error:
        load_definitions(tmp_path)
    text = str(error.value)
    assert "closes 必须晚于 opens" in text and "合计应为 100（现为 60）" in text and "time_limit_minutes" in text


def test_quizzes_check_validates_exam_draws(app, runner, tmp_path):
    import shutil

    from .exam_support import REPO

    shutil.copytree(REPO / "quizzes" / "guide", tmp_path / "guide")
    (tmp_path / "exams").mkdir()
    (tmp_path / "exams" / "big.yaml").write_text(
        "title: 太多\nopens: 2026-12-01 09:00\ncloses: 2026-12-02 09:00\ntime_limit_minutes: 60\n"
        "draws:\n  - {clause: '2.1', count: 50, points: 2}\n",
        encoding="utf-8",
    )
    app.config["QUIZZES_DIR"] = str(tmp_path)
    result = runner.invoke(args=["quizzes", "check"])
    assert result.exit_code != 0 and "需要 50 题" in result.output


def test_roster_charts_csv_and_scope(app, client, auth, make_user, exam_factory):
    manager, other_manager, hr = make_user(roles=("manager",)), make_user(roles=("manager",)), make_user(roles=("hr",))
    reps = [make_user(team="华东一组", manager_id=manager.id) for _ in range(3)]
    outsider = make_user(team="华南组", manager_id=other_manager.id)
    exam = exam_factory()
    with app.app_context():
        _sit(exam, reps[0], 9)
        _sit(exam, reps[1], 5, seed=2)
        start(exam, outsider)
    auth.login(reps[0])
    assert client.get(f"/exams/manage/{exam.key}/").status_code == 403
    auth.logout()
    auth.login(manager)
    page = client.get(f"/exams/manage/{exam.key}/").get_data(as_text=True)
    assert reps[2].name in page and outsider.name not in page
    assert "通过" in page and "未通过" in page and "未开始" in page and "<svg" in page
    assert "50.0%（1/2）" in page and " style=" not in page
    csv_text = client.get(f"/exams/manage/{exam.key}/roster.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeff考试,工号") and "90.00" in csv_text and outsider.employee_no not in csv_text
    assert client.get(f"/exams/manage/{exam.key}/items").status_code == 403  # item analysis is HR's
    auth.logout()
    auth.login(hr)
    page = client.get(f"/exams/manage/{exam.key}/?status=in_progress").get_data(as_text=True)
    assert outsider.name in page and reps[0].name not in page
    items = client.get(f"/exams/manage/{exam.key}/items").get_data(as_text=True)
    assert "难度系数" in items and "/exams/bank/" in items and "/course/" in items


def test_item_analysis_numbers():
    rows = [(100.0, [[1, "1", "1", "a", False], [2, "0", "0", "b", False]]) for _ in range(5)]
    rows += [(0.0, [[1, "0", "0", "b", False], [2, "1", "1", "a", False]]) for _ in range(5)]
    stats = analysis.analyse(rows)
    assert stats[1].facility == 0.5 and stats[1].discrimination == 1.0 and stats[1].options == {"a": 5, "b": 5}
    assert stats[2].discrimination == -1.0 and "区分度为负" in stats[2].flags
    easy = analysis.analyse([(90.0, [[3, "1", "1", "a", False]])] * 10)[3]
    assert "过易" in easy.flags


def test_appeal_void_regrades_every_attempt_as_new_facts(app, client, auth, make_user, exam_factory, frozen_now):
    hr, rep, peer = make_user(roles=("hr",)), make_user(), make_user()
    exam = exam_factory(shuffle_questions=False, attempts_allowed=1)
    with app.app_context():
        mine = _sit(exam, rep, 8)
        theirs = _sit(exam, peer, 8)
        wrong = paper_of(mine.id)[9]
        wrong_qid = wrong.question_id
        assert attempts.current_result(mine).score == Decimal(80)
    auth.login(rep)
    response = client.post_form(
        f"/exams/attempts/{mine.id}/appeals", {"position": 10, "reason": "题干与指南条款不一致"}
    )
    assert response.status_code == 302
    again = client.post_form(
        f"/exams/attempts/{mine.id}/appeals", {"position": 10, "reason": "再次申诉同一题"}, follow_redirects=True
    )
    assert "已对这道题提出过申诉" in again.get_data(as_text=True)
    auth.logout()
    auth.login(hr)
    with app.app_context():
        appeal = _db.session.scalars(select(Appeal)).one()
    assert "待处理" in client.get("/exams/manage/appeals/").get_data(as_text=True)
    frozen_now(days=20)  # decided late
    response = client.post_form(
        f"/exams/manage/appeals/{appeal.id}", {"outcome": "void", "note": "题目有歧义，作废"}, follow_redirects=True
    )
    assert "重新评分的答卷：2 份" in response.get_data(as_text=True) and "逾期答复" in response.get_data(as_text=True)
    with app.app_context():
        for attempt in (mine, theirs):
            history = _db.session.scalars(
                select(AttemptResult).where(AttemptResult.attempt_id == attempt.id).order_by(AttemptResult.sequence)
            ).all()
            assert [r.sequence for r in history] == [1, 2] and history[1].supersedes_id == history[0].id
            assert history[0].score == Decimal(80)  # the old fact is untouched
            assert history[1].adjustment_id is not None and history[1].reason == "regrade"
            assert history[1].points_possible == Decimal(90) and history[1].score == Decimal("88.89")
        assert any(row[0] == wrong_qid and row[4] for row in history[1].items)
    second = client.post_form(f"/exams/manage/appeals/{appeal.id}", {"outcome": "rejected", "note": "再处理"})
    assert second.status_code == 200  # already decided: the form is gone, nothing changes


def test_appeal_window_and_accepting_another_answer(app, db, make_user, exam_factory, frozen_now):
    hr, rep = make_user(roles=("hr",)), make_user()
    exam = exam_factory(shuffle_questions=False)
    attempt = _sit(exam, rep, 9)
    slot = paper_of(attempt.id)[9]
    given = slot.response
    user = db.session.get(User, rep.id)
    appeal = appeals.file_appeal(attempt, user, 10, "我的答案也符合指南", clock.now())
    text = given.get("text") or ",".join(given["choices"])
    appeals.decide_appeal(appeal, db.session.get(User, hr.id), "accept", "接受该答案", clock.now(), text)
    db.session.commit()
    assert attempts.current_result(attempt).score == Decimal(100)
    frozen_now(days=15)
    with pytest.raises(AppealError, match="申诉期已过"):
        appeals.file_appeal(attempt, user, 9, "过期的申诉理由", clock.now())
    with pytest.raises(AppealError):
        appeals.decide_appeal(appeal, db.session.get(User, hr.id), "void", "重复处理", clock.now())


def test_exam_sync_command(app, runner):
    result = runner.invoke(args=["exams", "sync"])
    assert result.exit_code == 0 and "新增 1" in result.output
    assert "未变 1" in runner.invoke(args=["exams", "sync"]).output


@pytest.mark.parametrize("attempts", [1, 2, 3, 7, 40, 333])
def test_item_analysis_fast_pass_equals_the_plain_definition(attempts):
    rng = random.Random(attempts)
    rows = []
    for _ in range(attempts):
        items = []
        for qid in rng.sample(range(1, 13), 8):
            kind = qid % 3
            chosen = (
                rng.choice(["true", "false"])
                if kind == 0
                else "".join(rng.sample("abcd", rng.randint(0, 2)))
                if kind == 1
                else ""
            )
            fraction = rng.choice(["0", "1", "0.5", "0.33333"])
            items.append([qid, fraction, fraction, chosen, rng.random() < 0.05])
        rows.append((float(rng.choice([0, 40, 60, 80, 80, 100])), items))
    ranked = sorted(rows, key=lambda pair: pair[0])  # what the query's ORDER BY score, attempt id gives
    fast, plain = analysis.tally(ranked), analysis.analyse(rows)
    assert fast.keys() == plain.keys()
    for qid, item in plain.items():
        assert (fast[qid].answered, fast[qid].facility, fast[qid].discrimination, fast[qid].options) == (
            item.answered,
            item.facility,
            item.discrimination,
            item.options,
        )
        assert fast[qid].flags == item.flags
