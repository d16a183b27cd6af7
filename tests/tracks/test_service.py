"""Skill-track services: states and checklists, level quizzes by rounds, assessments, awards, revocations, facts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.extensions import db as _db
from lms.models import AttemptResult, FactKind, RecordEntry, SkillAssessment, SkillLevelAward, User
from lms.tracks import service

from .track_support import BASIC, INTERMEDIATE, cell_of, complete_level, entry_for, read_lessons, sign, take_quiz


def _state(user, key):
    return next(s for s in service.cell_states(_db.session.get(User, user.id)) if s.cell.key == key)


def test_a_new_rep_sees_basic_cells_open_and_the_rest_locked(db, tracks_db, people, frozen):
    states = service.cell_states(_db.session.get(User, people["rep"].id))
    assert len(states) == 15
    by_level = {(s.cell.dimension, s.cell.level): s.state for s in states}
    assert {v for (d, lv), v in by_level.items() if lv == "basic"} == {"open"}
    assert {v for (d, lv), v in by_level.items() if lv != "basic"} == {"locked"}
    basic = _state(people["rep"], BASIC)
    kinds = [r.kind for r in basic.requirements]
    assert kinds[0] == "lesson" and kinds[-2:] == ["quiz", "assessment"] and not any(r.done for r in basic.requirements)
    assert service.next_step(states)[1].kind == "lesson"


def test_reading_a_lesson_puts_the_cell_in_progress(db, tracks_db, people, frozen):
    read_lessons(people["rep"], BASIC)
    state = _state(people["rep"], BASIC)
    assert state.state == "in_progress" and state.lessons_done
    assert service.next_step(service.cell_states(_db.session.get(User, people["rep"].id)))[1].kind == "quiz"


def test_all_requirements_give_an_award_with_its_facts(db, tracks_db, people, frozen):
    rep, mentor = people["rep"], people["mentor"]
    award = complete_level(rep, mentor, BASIC)
    assert award is not None and award.achieved_on == date(2026, 11, 2) and award.sequence == 1
    assert _state(rep, BASIC).state == "achieved"
    assert _state(rep, INTERMEDIATE).state in ("open", "in_progress")  # unlocked: the prerequisite holds now
    facts = _db.session.scalars(select(RecordEntry).order_by(RecordEntry.seq)).all()
    assert [f.kind for f in facts] == [FactKind.SKILL_ASSESSMENT, FactKind.SKILL_LEVEL]
    level = facts[-1].payload_data
    assert level["event"] == "achieved" and level["cell"] == "communication.basic"
    assert level["level_label"] == "初级" and level["dimension_label"] == "客户沟通技巧"
    assert level["assessment"]["signed_by"] == mentor.id and level["assessment"]["signed_by_name"] == "秦导师"
    assert level["quiz"]["result_id"] == award.quiz_result_id and level["quiz"]["score"] == "100.00"
    assert level["lessons"] == list(service.get_cell("communication", "basic").lessons)
    assert facts[-1].source == f"skill_level_award:{award.id}" and facts[-1].subject_id == rep.id
    assessment = facts[0].payload_data
    assert (
        assessment["passed"] is True and assessment["score"] == "3.000" and assessment["cell"] == "communication.basic"
    )
    assert service.achieved_cells(rep.id) == {BASIC: date(2026, 11, 2)}


def test_the_quiz_pass_can_come_last_and_the_grading_hook_awards(db, tracks_db, people, frozen):
    rep = people["rep"]
    read_lessons(rep, BASIC)
    sign(rep, people["manager"], BASIC)
    assert _state(rep, BASIC).state == "in_progress"
    take_quiz(rep, BASIC)  # the exam engine's grading calls level_quiz_graded in its transaction
    assert _state(rep, BASIC).state == "achieved"
    again = service.level_quiz_graded(_db.session.scalars(select(AttemptResult)).one())
    assert again is None  # idempotent: the award exists
    assert _db.session.query(SkillLevelAward).count() == 1


def test_a_locked_cell_refuses_quiz_and_request(db, tracks_db, people, frozen):
    rep = _db.session.get(User, people["rep"].id)
    with pytest.raises(service.TrackError, match="请先达到客户沟通技巧·初级"):
        service.start_level_quiz(rep, cell_of(INTERMEDIATE), frozen.get())
    with pytest.raises(service.TrackError, match="请先达到"):
        service.request_assessment(rep, cell_of(INTERMEDIATE), _db.session.get(User, people["mentor"].id), frozen.get())


def test_two_failed_tries_start_a_cooldown_with_the_date_it_opens(db, tracks_db, people, frozen):
    rep = people["rep"]
    take_quiz(rep, BASIC, right=False)
    frozen(hours=1)
    take_quiz(rep, BASIC, right=False)
    frozen(hours=15)  # 2026-11-02 18:00 UTC = 2026-11-03 02:00 in Beijing
    with pytest.raises(service.QuizCooldown) as refused:
        service.start_level_quiz(_db.session.get(User, rep.id), cell_of(BASIC), frozen.get())
    # finished on 2026-11-02 (Beijing), cooldown 7 days
    assert refused.value.opens_on == date(2026, 11, 9)
    assert "2026-11-09 起可再次参加" in str(refused.value)
    frozen(datetime(2026, 11, 8, 15, 59))  # 23:59 on 2026-11-08 in Beijing: still closed
    with pytest.raises(service.QuizCooldown):
        service.start_level_quiz(_db.session.get(User, rep.id), cell_of(BASIC), frozen.get())
    frozen(datetime(2026, 11, 8, 16, 0))  # 00:00 on 2026-11-09 in Beijing: the next round opens
    result = take_quiz(rep, BASIC, right=True)
    assert result.passed and _state(rep, BASIC).quiz.passed.id == result.id
    with pytest.raises(service.TrackError, match="已通过"):
        service.start_level_quiz(_db.session.get(User, rep.id), cell_of(BASIC), frozen.get())


def test_a_cooldown_uses_the_company_date_at_three_in_the_morning(db, tracks_db, people, frozen):
    frozen(datetime(2026, 11, 2, 18, 30))  # 02:30 on 2026-11-03 in Beijing, still 2 November in UTC
    take_quiz(people["rep"], BASIC, right=False)
    take_quiz(people["rep"], BASIC, right=False)
    assert _state(people["rep"], BASIC).quiz.opens_on == date(2026, 11, 10)


def test_a_retake_in_progress_resumes(db, tracks_db, people, frozen):
    rep = _db.session.get(User, people["rep"].id)
    first = service.start_level_quiz(rep, cell_of(BASIC), frozen.get())
    _db.session.commit()
    again = service.start_level_quiz(rep, cell_of(BASIC), frozen.get())
    assert again.id == first.id


def test_scores_outside_the_scale_are_field_errors_and_write_nothing(db, tracks_db, people, frozen):
    rep, mentor = _db.session.get(User, people["rep"].id), _db.session.get(User, people["mentor"].id)
    request = service.request_assessment(rep, cell_of(BASIC), mentor, frozen.get())
    _db.session.commit()
    entry = entry_for(BASIC, 3)
    bad = entry.scores[0].__class__(entry.scores[0].key, 5, "")
    with pytest.raises(service.TrackError) as refused:
        service.sign_assessment(
            request, mentor, entry.__class__(**{**entry.__dict__, "scores": (bad,) + entry.scores[1:]}), frozen.get()
        )
    assert refused.value.field == f"score_{bad.key}" and "1–4" in str(refused.value)
    _db.session.rollback()
    assert _db.session.query(SkillAssessment).count() == 0 and _db.session.query(RecordEntry).count() == 0
    assert _db.session.get(type(request), request.id).status == "open"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"assessed_on": date(2026, 11, 3)}, "assessed_on"),  # tomorrow
        ({"scenario": "karaoke"}, "scenario"),
        ({"scenario_detail": "  "}, "scenario_detail"),
        ({"evidence_md": "x\n" * 250}, "evidence_md"),
    ],
)
def test_other_bad_entries_name_their_field(db, tracks_db, people, frozen, change, field):
    rep, mentor = _db.session.get(User, people["rep"].id), _db.session.get(User, people["mentor"].id)
    request = service.request_assessment(rep, cell_of(BASIC), mentor, frozen.get())
    with pytest.raises(service.TrackError) as refused:
        service.sign_assessment(request, mentor, entry_for(BASIC, 3, **change), frozen.get())
    assert refused.value.field == field


def test_nobody_assesses_themselves_or_someone_they_do_not_answer_for(db, tracks_db, people, frozen):
    rep, mentor = _db.session.get(User, people["rep"].id), _db.session.get(User, people["mentor"].id)
    with pytest.raises(service.TrackError, match="本人"):
        service.request_assessment(rep, cell_of(BASIC), rep, frozen.get())
    with pytest.raises(service.TrackError, match="导师或主管"):
        service.request_assessment(rep, cell_of(BASIC), _db.session.get(User, people["other_manager"].id), frozen.get())
    request = service.request_assessment(rep, cell_of(BASIC), mentor, frozen.get())
    for stranger in ("other_manager", "other", "rep", "manager"):  # the manager was not the one asked
        with pytest.raises(service.NotAllowed):
            service.sign_assessment(request, _db.session.get(User, people[stranger].id), entry_for(BASIC), frozen.get())


def test_hr_may_assign_any_assessor_who_may_then_sign(db, tracks_db, people, frozen):
    rep, hr = _db.session.get(User, people["rep"].id), _db.session.get(User, people["hr"].id)
    outsider = _db.session.get(User, people["other_manager"].id)
    request = service.request_assessment(rep, cell_of(BASIC), outsider, frozen.get(), assigned_by=hr)
    _db.session.commit()
    assert service.may_assess(outsider, request)
    with pytest.raises(service.NotAllowed):
        service.request_assessment(
            rep, cell_of(BASIC), outsider, frozen.get(), assigned_by=_db.session.get(User, people["manager"].id)
        )
    assessment = service.sign_assessment(request, outsider, entry_for(BASIC, 2), frozen.get())
    assert assessment.passed is False and assessment.weighted == Decimal("2.000")


def test_after_a_failure_the_rep_requests_again_and_every_assessment_is_kept(db, tracks_db, people, frozen):
    rep, mentor = people["rep"], people["mentor"]
    failed = sign(rep, mentor, BASIC, score=1)
    assert failed.passed is False and "<script>" not in failed.evidence_html and "<strong>" in failed.evidence_html
    frozen(days=1)
    passed = sign(rep, mentor, BASIC, score=4)
    state = _state(rep, BASIC)
    assert [a.id for a in state.assessments] == [passed.id, failed.id] and state.passed_assessment.id == passed.id
    with pytest.raises(service.TrackError, match="已通过"):
        service.request_assessment(
            _db.session.get(User, rep.id), cell_of(BASIC), _db.session.get(User, mentor.id), frozen.get()
        )


def test_one_open_request_per_cell(db, tracks_db, people, frozen):
    rep = _db.session.get(User, people["rep"].id)
    service.request_assessment(rep, cell_of(BASIC), _db.session.get(User, people["mentor"].id), frozen.get())
    _db.session.commit()
    with pytest.raises(service.TrackError, match="待评估"):
        service.request_assessment(rep, cell_of(BASIC), _db.session.get(User, people["manager"].id), frozen.get())


def test_signing_twice_records_one_assessment(db, tracks_db, people, frozen):
    rep, mentor = _db.session.get(User, people["rep"].id), _db.session.get(User, people["mentor"].id)
    request = service.request_assessment(rep, cell_of(BASIC), mentor, frozen.get())
    _db.session.commit()
    service.sign_assessment(request, mentor, entry_for(BASIC), frozen.get())
    _db.session.commit()
    with pytest.raises(service.TrackError, match="已由他人签署"):
        service.sign_assessment(request, _db.session.get(User, people["hr"].id), entry_for(BASIC), frozen.get())
    assert _db.session.query(SkillAssessment).count() == 1


def test_hr_revokes_with_a_reason_and_the_achievement_stays_visible(db, tracks_db, people, frozen):
    rep, hr = people["rep"], _db.session.get(User, people["hr"].id)
    award = complete_level(rep, people["mentor"], BASIC)
    with pytest.raises(service.TrackError, match="原因"):
        service.revoke_level(award, hr, "  ", frozen.get())
    with pytest.raises(service.NotAllowed):
        service.revoke_level(award, _db.session.get(User, people["manager"].id), "理由", frozen.get())
    frozen(days=3)
    service.revoke_level(award, hr, "考核材料不实", frozen.get())
    _db.session.commit()
    state = _state(rep, BASIC)
    assert state.award is None and state.state == "in_progress" and state.awards[0].revocation.reason == "考核材料不实"
    assert service.achieved_cells(rep.id) == {}
    facts = _db.session.scalars(
        select(RecordEntry).where(RecordEntry.kind == FactKind.SKILL_LEVEL).order_by(RecordEntry.seq)
    ).all()
    assert [f.payload_data["event"] for f in facts] == ["achieved", "revoked"]
    assert facts[1].supersedes_seq == facts[0].seq and facts[1].payload_data["reason"] == "考核材料不实"
    assert facts[1].recorded_by_id == hr.id
    # the old evidence does not silently give the level back; nor can it be revoked twice
    assert service.award_if_complete(_db.session.get(User, rep.id), cell_of(BASIC), frozen.get(), None) is None
    with pytest.raises(service.TrackError, match="已被撤销"):
        service.revoke_level(_db.session.get(SkillLevelAward, award.id), hr, "再次", frozen.get())
    # new evidence earns it again: sequence 2
    frozen(days=1)
    take_quiz(rep, BASIC)
    sign(rep, people["mentor"], BASIC)
    again = _state(rep, BASIC).award
    assert again.sequence == 2 and again.id != award.id


def test_a_changed_track_file_keeps_achieved_levels(db, tracks_db, people, frozen):
    import dataclasses

    from lms.tracks.sync import sync_tracks

    rep = people["rep"]
    award = complete_level(rep, people["mentor"], BASIC)
    old_hash = award.cell_hash
    cells = list(tracks_db.cells)
    index = next(i for i, c in enumerate(cells) if c.key == BASIC)
    cells[index] = dataclasses.replace(cells[index], lessons=cells[index].lessons + ("6.2",))
    report = sync_tracks(dataclasses.replace(tracks_db, cells=tuple(cells)))
    _db.session.commit()
    assert report.updated == [BASIC]
    state = _state(rep, BASIC)
    assert state.state == "achieved" and state.award.id == award.id and state.award.cell_hash == old_hash
    assert "6.2" not in state.award.lessons and cell_of(BASIC).definition_hash != old_hash
    newcomer = _state(people["other"], BASIC)
    assert "6.2" in [r.target for r in newcomer.requirements if r.kind == "lesson"]


def test_expected_facts_match_the_ledger(db, tracks_db, people, frozen):
    from lms.tracks.facts import expected_facts

    award = complete_level(people["rep"], people["mentor"], BASIC)
    sign(people["rep"], people["mentor"], "product/basic", score=1)
    service.revoke_level(award, _db.session.get(User, people["hr"].id), "复核不通过", frozen.get())
    _db.session.commit()
    expected = {(f["kind"], f["source"]): f for f in expected_facts()}
    later = {e.supersedes_seq for e in _db.session.scalars(select(RecordEntry))}
    current = {(e.kind, e.source): e for e in _db.session.scalars(select(RecordEntry)) if e.seq not in later}
    assert set(expected) == set(current) and len(expected) == 3
    from lms.record.hashing import canonical_json

    for key, fact in expected.items():
        assert canonical_json(fact["payload"]) == current[key].payload, key
        assert fact["occurred_at"] == current[key].occurred_at and fact["subject_id"] == current[key].subject_id


def test_the_record_rebuild_check_finds_the_skill_facts_in_order(db, tracks_db, people, frozen):
    from lms.record import rebuild

    assert rebuild.check(["lms.tracks.facts"]).ok  # nothing yet, nothing expected
    award = complete_level(people["rep"], people["mentor"], BASIC)
    service.revoke_level(award, _db.session.get(User, people["hr"].id), "复核不通过", frozen.get())
    _db.session.commit()
    report = rebuild.check(["lms.tracks.facts"])
    assert report.ok, [str(d) for d in report.differences]
    assert report.expected_count == 2 and {"skill_level", "skill_assessment"}.isdisjoint(report.unchecked_kinds)


def test_a_change_to_the_cells_in_the_database_is_seen_by_the_next_read(db, tracks_db, people, frozen):
    """The cells are kept per process; a sync on another node (here: a direct write) must show at once."""
    from lms.models import SkillCell

    assert "80 分及格" in _state(people["rep"], BASIC).requirements[-2].label
    row = _db.session.scalars(select(SkillCell).where(SkillCell.key == BASIC)).one()
    row.quiz = {**row.quiz, "pass_mark": "90"}
    row.descriptor = "另一个节点同步后的描述"
    _db.session.commit()
    state = _state(people["rep"], BASIC)
    assert "90 分及格" in state.requirements[-2].label and state.cell.descriptor == "另一个节点同步后的描述"
    row.retired_at = frozen.get()
    _db.session.commit()
    assert BASIC not in {s.cell.key for s in service.cell_states(_db.session.get(User, people["rep"].id))}
