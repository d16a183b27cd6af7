"""Sync: upsert by id, unchanged skipped, retired not deleted, choices kept, stale flag."""

import shutil

from sqlalchemy import select

from lms.models import Question, QuestionBank
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks


def _sync(db, folder, texts):
    report = sync_banks(load_banks(folder), texts)
    db.session.commit()
    return report


def _question(db, key) -> Question:
    return db.session.scalars(select(Question).where(Question.key == key)).one()


def test_first_sync_creates_everything(db, quizzes_dir, sample_texts):
    report = _sync(db, quizzes_dir, sample_texts)
    assert len(report.created) == 5 and report.banks == {"sample": "created"}
    single = _question(db, "s-2.1-01")
    assert single.bank.name == "sample" and single.chapter == "2" and single.stale is False
    assert [(c.key, c.correct) for c in single.choices] == [("a", False), ("b", True), ("c", False)]
    assert _question(db, "s-5.1-03").answer == {
        "numeric": [{"value": "80", "tolerance": "0", "weight": "100", "feedback": ""}],
        "unit": "分",
    }
    assert _question(db, "s-5.1-02").tags == [] and single.tags == ["投诉", "时效"]


def test_second_sync_is_a_no_op(db, quizzes_dir, sample_texts):
    _sync(db, quizzes_dir, sample_texts)
    report = _sync(db, quizzes_dir, sample_texts)
    assert len(report.unchanged) == 5 and not report.created and not report.updated
    assert report.banks == {"sample": "unchanged"}


def test_edits_update_and_removals_retire(db, quizzes_dir, sample_texts):
    _sync(db, quizzes_dir, sample_texts)
    first_id = _question(db, "s-2.1-01").id
    path = quizzes_dir / "sample" / "2.yaml"
    text = path.read_text(encoding="utf-8").replace("      - ≤24小时\n", "")
    path.write_text(text, encoding="utf-8")
    (quizzes_dir / "sample" / "5.yaml").unlink()
    report = _sync(db, quizzes_dir, sample_texts)
    assert report.updated == ["s-2.1-01"] and sorted(report.retired) == ["s-5.1-01", "s-5.1-02", "s-5.1-03"]
    single = _question(db, "s-2.1-01")
    assert single.id == first_id  # upserted in place: exam answers keep pointing at it
    assert [c.key for c in single.active_choices] == ["a", "b"] and single.choices[2].retired_at is not None
    assert _question(db, "s-5.1-01").retired  # still there for old attempts


def test_removed_bank_is_retired_and_a_returning_question_comes_back(db, quizzes_dir, sample_texts, tmp_path):
    _sync(db, quizzes_dir, sample_texts)
    backup = tmp_path / "backup"
    shutil.move(quizzes_dir / "sample", backup)
    report = _sync(db, quizzes_dir, sample_texts)
    assert report.banks == {"sample": "retired"} and len(report.retired) == 5
    assert db.session.scalars(select(QuestionBank)).one().retired_at is not None
    shutil.move(backup, quizzes_dir / "sample")
    report = _sync(db, quizzes_dir, sample_texts)
    assert len(report.updated) == 5 and not _question(db, "s-2.1-01").retired


def test_changed_clause_text_flags_stale_until_the_question_is_reviewed(db, quizzes_dir, sample_texts):
    _sync(db, quizzes_dir, sample_texts)
    changed = dict(sample_texts, **{"5.1": sample_texts["5.1"] + "另：补考安排另行通知。"})
    report = _sync(db, quizzes_dir, changed)
    assert sorted(report.newly_stale) == ["s-5.1-01", "s-5.1-02", "s-5.1-03"] and report.stale_total == 3
    assert not _question(db, "s-2.1-01").stale
    # Reviewing one question (here: bumping its review date) clears its flag only.
    path = quizzes_dir / "sample" / "5.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("2026-01-05", "2026-02-01"), encoding="utf-8")
    report = _sync(db, quizzes_dir, changed)
    assert report.updated == ["s-5.1-03"] and report.stale_total == 2
    assert not _question(db, "s-5.1-03").stale and _question(db, "s-5.1-01").stale


def test_layout_only_changes_do_not_make_questions_stale(db, quizzes_dir, sample_texts):
    _sync(db, quizzes_dir, sample_texts)
    relaid = {clause: text.replace(" | ", "|").replace(",", "，") for clause, text in sample_texts.items()}
    assert _sync(db, quizzes_dir, relaid).newly_stale == []


def test_a_reordered_option_keeps_its_key_so_given_answers_keep_their_text(db, quizzes_dir, sample_texts):
    _sync(db, quizzes_dir, sample_texts)
    before = {c.key: (c.id, c.text) for c in _question(db, "s-2.1-01").choices}
    path = quizzes_dir / "sample" / "2.yaml"
    text = path.read_text(encoding="utf-8")
    # Move the right option (b, ≤2小时) to the front, naming the keys the options had.
    text = text.replace("      - ≤30分钟\n      - text: ≤2小时\n", "      - key: b\n        text: ≤2小时\n", 1)
    text = text.replace(
        "        feedback: 一般投诉 ≤2小时响应。\n",
        "        feedback: 一般投诉 ≤2小时响应。\n      - {key: a, text: ≤30分钟}\n",
        1,
    )
    path.write_text(text, encoding="utf-8")
    _sync(db, quizzes_dir, sample_texts)
    single = _question(db, "s-2.1-01")
    shown = sorted(single.active_choices, key=lambda choice: choice.position)
    assert [(c.key, c.text) for c in shown][:2] == [("b", "≤2小时"), ("a", "≤30分钟")]
    assert {c.key: (c.id, c.text) for c in single.choices} == before  # same rows, same keys, same texts
