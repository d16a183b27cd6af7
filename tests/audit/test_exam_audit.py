"""Appeal decisions are audited, and the exam roster CSV goes through the one CSV helper."""

import csv
import io

from sqlalchemy import select

from lms import clock
from lms.exams import appeals, attempts
from lms.extensions import db as _db
from lms.models import Appeal, AuditAction, AuditEntry
from tests.exams.exam_support import *  # noqa: F401,F403
from tests.exams.exam_support import answer_for, paper_of, start


def _sit(exam, user, right_count):
    attempt = start(exam, user)
    slots = paper_of(attempt.id)
    attempts.save_answers(attempt, {s.id: answer_for(s, i < right_count) for i, s in enumerate(slots)}, clock.now())
    attempts.finish_attempt(attempt, clock.now())
    _db.session.commit()
    return attempt


def test_an_appeal_decision_is_an_audit_entry_with_its_origin(app, client, auth, make_user, exam_factory):
    hr, rep = make_user(roles=("hr",)), make_user()
    exam = exam_factory(shuffle_questions=False)
    with app.app_context():
        attempt = _sit(exam, rep, 9)
        appeal = appeals.file_appeal(attempt, _db.session.get(type(rep), rep.id), 10, "我的答案符合指南", clock.now())
        _db.session.commit()
        appeal_id = appeal.id
    auth.login(hr)
    response = client.post_form(
        f"/exams/manage/appeals/{appeal_id}",
        {"outcome": "rejected", "note": "答案与指南不符"},
        headers={"User-Agent": "TestBrowser/1.0"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 302
    with app.app_context():
        entry = _db.session.scalars(select(AuditEntry)).one()
        assert entry.action == AuditAction.APPEAL_DECIDED and entry.actor_id == hr.id and entry.subject_id == rep.id
        assert entry.object_ref == f"appeal:{appeal_id}" and entry.details["outcome"] == "rejected"
        assert (entry.remote_addr, entry.user_agent) == ("10.1.2.3", "TestBrowser/1.0")
        assert entry.at == clock.now()
        assert _db.session.get(Appeal, appeal_id).decision is not None


def test_roster_csv_neutralises_formulas_through_the_helper(app, client, auth, make_user, exam_factory):
    manager = make_user(roles=("manager",))
    # The roster's own neutralising missed a leading tab, which Excel drops before reading a formula.
    rep = make_user(name='\t=HYPERLINK("http://evil.example")', team="=团队", manager_id=manager.id)
    exam = exam_factory()
    with app.app_context():
        _sit(exam, rep, 9)
    auth.login(manager)
    response = client.get(f"/exams/manage/{exam.key}/roster.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff考试,工号") and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text[1:])))
    row = next(row for row in rows if row[1] == rep.employee_no)
    assert row[2] == '\'\t=HYPERLINK("http://evil.example")' and row[3] == "'=团队"
    assert 'filename="exam-T-1-roster.csv"' in response.headers["Content-Disposition"]
