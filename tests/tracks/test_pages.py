"""The skill-track pages: /skills, a cell, quiz starts and cooldowns, requests, the assessor's queue and form,
a person's evidence, HR's assigning and revoking, and who gets 403 or 404."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from lms.exams import attempts
from lms.extensions import db as _db
from lms.models import ExamAttempt, SkillAssessment, SkillAssessmentRequest, SkillLevelAward, User
from lms.tracks import service

from .track_support import BASIC, cell_of, complete_level, read_lessons, sign, take_quiz

CELL = "/skills/cells/communication/basic"


def _request_id(app) -> int:
    with app.app_context():
        return _db.session.scalars(select(SkillAssessmentRequest.id)).one()


def _form_for(app, request_id: int, score="3", **extra) -> dict:
    with app.app_context():
        rubric = service.rubric_of(_db.session.get(SkillAssessmentRequest, request_id).cell)
    data = {
        "assessed_on": "2026-11-02",
        "scenario": "role_play",
        "scenario_detail": "导师扮演客户",
        "evidence_md": "## 记录\n\n表现**稳定**<img src=x onerror=alert(1)>",
    }
    for criterion in rubric["criteria"]:
        data[f"score_{criterion['key']}"] = score
        data[f"comment_{criterion['key']}"] = f"{criterion['name']}不错"
    data.update(extra)
    return data


def test_a_rep_sees_the_matrix_with_checklists_and_the_next_step(app, client, auth, tracks_db, people, frozen):
    auth.login(people["rep"])
    page = client.get("/skills/").get_data(as_text=True)
    assert page.count('class="skill-cell') == 15
    assert 'id="cell-communication-basic" data-state="open"' in page
    assert 'id="cell-communication-advanced" data-state="locked"' in page
    assert "下一步" in page and 'href="/course/5.2"' in page  # the checklist links its lessons
    home = client.get("/dashboard/rep").get_data(as_text=True)
    assert 'id="panel-skills"' in home and "下一步" in home


def test_an_achieved_cell_shows_its_date_and_the_rep_sees_the_feedback(app, client, auth, tracks_db, people, frozen):
    with app.app_context():
        complete_level(people["rep"], people["mentor"], BASIC)
    auth.login(people["rep"])
    page = client.get("/skills/").get_data(as_text=True)
    assert 'id="cell-communication-basic" data-state="achieved"' in page and "2026-11-02" in page
    cell = client.get(CELL).get_data(as_text=True)
    assert "已达成" in cell and "积极倾听表现" in cell and "导师扮演客户" in cell  # scores' comments and scenario
    assert "<script>" not in cell and "<strong>表现良好</strong>" in cell


def test_starting_the_quiz_opens_the_exam_page_and_a_cooldown_says_when(app, client, auth, tracks_db, people, frozen):
    auth.login(people["rep"])
    response = client.post_form(f"{CELL}/quiz")
    assert response.status_code == 302 and "/exams/attempts/" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200  # the exam engine's take page
    with app.app_context():
        attempt = _db.session.scalars(select(ExamAttempt)).one()
        attempts.finish_attempt(attempt, frozen.get())  # unanswered: 0 points
        _db.session.commit()
        take_quiz(people["rep"], BASIC, right=False)
    refused = client.post_form(f"{CELL}/quiz", follow_redirects=True).get_data(as_text=True)
    assert "2026-11-09 起可再次参加" in refused
    assert "2026-11-09 起可开始下一轮" in client.get(CELL).get_data(as_text=True)
    # failed level quizzes put no exam or remediation on the dashboard's exam panel
    assert "等级测验" not in client.get("/dashboard/rep").get_data(as_text=True)


def test_level_quizzes_stay_off_the_quarterly_exam_pages(app, client, auth, tracks_db, people, frozen):
    auth.login(people["rep"])
    assert "等级测验" not in client.get("/exams/").get_data(as_text=True)
    assert client.post_form("/exams/lq:communication%2Fbasic/start").status_code == 404
    auth.logout()
    auth.login(people["hr"])
    assert "等级测验" not in client.get("/exam-admin/").get_data(as_text=True)


def test_request_queue_and_sign_off_through_the_pages(app, client, auth, tracks_db, people, frozen):
    with app.app_context():
        read_lessons(people["rep"], BASIC)
        take_quiz(people["rep"], BASIC)
    auth.login(people["rep"])
    page = client.get(CELL).get_data(as_text=True)
    assert "秦导师（导师）" in page and "马经理（主管）" in page
    client.post_form(f"{CELL}/request", {"assessor": str(people["mentor"].id), "note": "周三下午"})
    request_id = _request_id(app)
    assert "已申请，评估人" in client.get(CELL).get_data(as_text=True)
    assert client.get(f"/skills/assessments/{request_id}").status_code == 403  # nobody assesses themselves
    auth.logout()
    frozen(days=3)
    auth.login(people["mentor"])
    queue = client.get("/skills/assessments").get_data(as_text=True)
    assert "李销售" in queue and '<td class="age">3 天</td>' in queue
    assert client.get(f"/skills/assessments/{request_id}").status_code == 200
    bad = client.post_form(f"/skills/assessments/{request_id}", _form_for(app, request_id, score="5"))
    assert bad.status_code == 422 and "的分数应在 1–4 之间" in bad.get_data(as_text=True)
    with app.app_context():
        assert _db.session.query(SkillAssessment).count() == 0
    good = client.post_form(f"/skills/assessments/{request_id}", _form_for(app, request_id, assessed_on="2026-11-05"))
    assert good.status_code == 302
    again = client.post_form(f"/skills/assessments/{request_id}", _form_for(app, request_id))
    assert again.status_code == 422 and "已签署" in again.get_data(as_text=True)
    with app.app_context():
        assessment = _db.session.scalars(select(SkillAssessment)).one()
        assert "onerror" not in assessment.evidence_html and "<strong>稳定</strong>" in assessment.evidence_html
        assert _db.session.query(SkillLevelAward).count() == 1
    auth.logout()
    auth.login(people["rep"])
    assert 'data-state="achieved"' in client.get("/skills/").get_data(as_text=True)


def test_bad_requests_get_messages(app, client, auth, tracks_db, people, frozen):
    auth.login(people["rep"])
    page = client.post_form(f"{CELL}/request", {"assessor": str(people["other_manager"].id)}, follow_redirects=True)
    assert "导师或主管" in page.get_data(as_text=True)
    page = client.post_form(
        "/skills/cells/communication/advanced/request", {"assessor": str(people["mentor"].id)}, follow_redirects=True
    )
    assert "请先达到" in page.get_data(as_text=True)
    assert client.get("/skills/cells/communication/expert").status_code == 404
    assert client.get("/skills/cells/nonsense/basic").status_code == 404
    assert client.get("/skills/assessments/99999999999999999999").status_code == 404
    with app.app_context():
        assert _db.session.query(SkillAssessmentRequest).count() == 0


def test_outsiders_get_403_on_the_form_and_404_on_the_evidence(app, client, auth, tracks_db, people, frozen):
    with app.app_context():
        service.request_assessment(
            _db.session.get(User, people["rep"].id),
            cell_of(BASIC),
            _db.session.get(User, people["mentor"].id),
            frozen.get(),
        )
        _db.session.commit()
    request_id = _request_id(app)
    for outsider in ("other_manager", "other", "manager"):  # the manager answers for the rep but was not asked
        auth.login(people[outsider])
        assert client.get(f"/skills/assessments/{request_id}").status_code == 403
        assert client.post_form(f"/skills/assessments/{request_id}", _form_for(app, request_id)).status_code == 403
        auth.logout()
    auth.login(people["other_manager"])
    assert client.get(f"/skills/people/{people['rep'].id}").status_code == 404
    auth.logout()
    for viewer in ("manager", "mentor", "hr", "rep"):
        auth.login(people[viewer])
        assert client.get(f"/skills/people/{people['rep'].id}").status_code == 200
        auth.logout()
    with app.app_context():
        assert _db.session.query(SkillAssessment).count() == 0


def test_hr_assigns_an_assessor_and_revokes_a_level_with_a_reason(app, client, auth, tracks_db, people, frozen):
    with app.app_context():
        award = complete_level(people["rep"], people["mentor"], BASIC)
        award_id = award.id
        read_lessons(people["rep"], "product/basic")
    auth.login(people["hr"])
    evidence = f"/skills/people/{people['rep'].id}"
    client.post_form(f"{evidence}/cells/product/basic/assign", {"employee_no": people["other_manager"].employee_no})
    with app.app_context():
        assigned = _db.session.scalars(
            select(SkillAssessmentRequest).where(SkillAssessmentRequest.status == "open")
        ).one()
        assert assigned.assessor_id == people["other_manager"].id and assigned.assigned_by_id == people["hr"].id
    page = client.post_form(f"{evidence}/cells/product/basic/assign", {"employee_no": "NOBODY"}, follow_redirects=True)
    assert "没有工号为 NOBODY 的员工" in page.get_data(as_text=True)
    empty = client.post_form(f"/skills/awards/{award_id}/revoke", {"reason": ""}, follow_redirects=True)
    assert "请填写撤销原因" in empty.get_data(as_text=True)
    page = client.post_form(f"/skills/awards/{award_id}/revoke", {"reason": "材料不实"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "撤销：材料不实" in text and "2026-11-02 达成" in text  # the old award stays visible
    auth.logout()
    auth.login(people["manager"])
    assert client.post_form(f"/skills/awards/{award_id}/revoke", {"reason": "x"}).status_code == 403
    auth.logout()
    auth.login(people["other_manager"])
    assert client.get("/skills/assessments").get_data(as_text=True).count("李销售") == 1  # HR's assignment


def test_a_get_after_a_quiz_deadline_settles_it_on_a_fresh_database(app, client, auth, tracks_db, people, frozen):
    auth.login(people["rep"])
    response = client.post_form(f"{CELL}/quiz")
    attempt_id = int(re.search(r"/exams/attempts/(\d+)", response.headers["Location"]).group(1))
    frozen(minutes=16)  # past the 15-minute limit and its grace
    for url in ("/skills/", CELL):
        assert client.get(url).status_code == 200
    with app.app_context():
        attempt = _db.session.get(ExamAttempt, attempt_id)
        assert (attempt.status, attempt.finish_reason) == ("finished", "deadline")
    assert "第 1 次：" in client.get(CELL).get_data(as_text=True)


def test_the_last_lesson_read_completes_the_level_on_the_next_visit(app, client, auth, tracks_db, people, frozen):
    with app.app_context():
        take_quiz(people["rep"], BASIC)
        sign(people["rep"], people["mentor"], BASIC)
        assert _db.session.query(SkillLevelAward).count() == 0
        read_lessons(people["rep"], BASIC)
    auth.login(people["rep"])
    assert 'id="cell-communication-basic" data-state="achieved"' in client.get("/skills/").get_data(as_text=True)
    with app.app_context():
        assert _db.session.query(SkillLevelAward).count() == 1


def test_the_skills_page_works_before_any_sync(app, client, auth, people):
    auth.login(people["rep"])
    assert "尚未同步" in client.get("/skills/").get_data(as_text=True)
    assert client.get("/dashboard/rep").status_code == 200


def test_the_queue_lists_only_my_requests_and_hr_sees_all(app, client, auth, tracks_db, people, frozen, make_user):
    others = [make_user(mentor_id=people["other_manager"].id) for _ in range(3)]
    with app.app_context():
        for person in others:
            service.request_assessment(
                _db.session.get(User, person.id),
                cell_of(BASIC),
                _db.session.get(User, people["other_manager"].id),
                datetime(2026, 11, 1),
            )
        _db.session.commit()
    auth.login(people["mentor"])
    assert "没有待评估的申请" in client.get("/skills/assessments").get_data(as_text=True)
    auth.logout()
    auth.login(people["hr"])
    assert client.get("/skills/assessments?all=1").get_data(as_text=True).count('<td class="age">') == 3


def test_a_level_quiz_result_page_leads_back_to_the_tracks(app, client, auth, tracks_db, people, frozen):
    with app.app_context():
        attempt_id = take_quiz(people["rep"], BASIC).attempt_id
    for viewer, back in (("rep", 'href="/skills/"'), ("manager", f'href="/skills/people/{people["rep"].id}"')):
        auth.login(people[viewer])
        page = client.get(f"/exams/attempts/{attempt_id}/result")
        assert (
            page.status_code == 200
            and back in page.get_data(as_text=True)
            and "返回技能路径" in page.get_data(as_text=True)
        )
        auth.logout()


def test_the_skills_page_costs_the_same_statements_however_long_the_history(
    app, client, auth, tracks_db, people, frozen, make_user
):
    from sqlalchemy import event

    def statements_for(person) -> int:
        seen = []
        with app.app_context():
            engine = _db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        auth.login(person)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/skills/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        auth.logout()
        return len(seen)

    short, long = people["rep"], make_user(manager_id=people["manager"].id, mentor_id=people["mentor"].id)
    with app.app_context():
        complete_level(short, people["mentor"], BASIC)
        for key in (BASIC, "product/basic", "process/basic"):
            complete_level(long, people["mentor"], key)
        take_quiz(long, "data/basic", right=False)
        sign(long, people["mentor"], "data/basic", score=1)
    assert statements_for(long) == statements_for(short)


def test_a_quiz_without_questions_in_the_bank_says_so(app, client, auth, tracks_db, people, frozen):
    from lms.models import Question

    with app.app_context():
        _db.session.execute(Question.__table__.update().values(retired_at=frozen.get()))
        _db.session.commit()
    auth.login(people["rep"])
    page = client.post_form(f"{CELL}/quiz", follow_redirects=True)
    assert page.status_code == 200 and "题库中本级的题目不足" in page.get_data(as_text=True)
    with app.app_context():
        assert _db.session.query(ExamAttempt).count() == 0


def test_a_rep_withdraws_a_request_and_asks_someone_else(app, client, auth, tracks_db, people, frozen):
    auth.login(people["rep"])
    client.post_form(f"{CELL}/request", {"assessor": str(people["mentor"].id)})
    first = _request_id(app)
    assert client.post_form(f"/skills/requests/{first}/withdraw").status_code == 302
    again = client.post_form(f"/skills/requests/{first}/withdraw", follow_redirects=True)
    assert "已评估或已撤回" in again.get_data(as_text=True)
    client.post_form(f"{CELL}/request", {"assessor": str(people["manager"].id)})
    auth.logout()
    auth.login(people["other"])
    assert client.post_form(f"/skills/requests/{first}/withdraw").status_code == 404  # not theirs
    with app.app_context():
        rows = _db.session.scalars(select(SkillAssessmentRequest).order_by(SkillAssessmentRequest.id)).all()
        assert [(r.status, r.assessor_id) for r in rows] == [
            ("withdrawn", people["mentor"].id),
            ("open", people["manager"].id),
        ]
