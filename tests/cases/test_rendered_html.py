"""A case version's parts are rendered once, when saved, and pages show the stored HTML (migration 0008)."""

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text, update
from test_migrations import empty_database_url  # noqa: F401 (fixture)

from lms import create_app
from lms.cases import service
from lms.extensions import db as _db
from lms.models.cases import CaseVersion
from tests.cases.conftest import case_data, load, user


def test_saving_a_version_stores_each_parts_sanitised_html(db, people, make_case):
    case = load(make_case(info="**要点**<script>alert(1)</script>", improvements=""))
    stored = case.latest.rendered_html
    assert stored["info"] == "<p><strong>要点</strong></p>"
    assert "improvements" not in stored and set(stored) == {"info", "analysis", "discussion", "methods"}


def test_an_edit_renders_again(db, people, make_case):
    case = load(make_case("draft"))
    service.update_case(case, case_data(methods="改成 *这样*"), user(people["mentor"]))
    assert case.latest.rendered_html["methods"] == "<p>改成 <em>这样</em></p>"


def test_case_pages_show_the_stored_html_without_rendering(app, client, auth, people, make_case):
    case_id = make_case()
    with app.app_context():
        version = load(case_id).latest
        _db.session.execute(
            update(CaseVersion)
            .where(CaseVersion.id == version.id)
            .values(rendered_html={**version.rendered_html, "info": "<p>已存的 HTML</p>"})
        )
        _db.session.commit()
    auth.login(people["rep1"])
    for url in (f"/cases/{case_id}", f"/cases/{case_id}/versions/1"):
        page = client.get(url).get_data(as_text=True)
        assert "<p>已存的 HTML</p>" in page and "客户反馈付款审批流程变长" not in page


def test_migration_0008_renders_the_versions_saved_before(empty_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0007")
        with _db.engine.begin() as connection:
            connection.execute(
                text(
                    'INSERT INTO "user" (id, employee_no, name, email, active, created_at, updated_at) '
                    "VALUES (1, 'M1', '导师', 'm@example.com', true, '2026-01-01', '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO case_review (id, author_id, status, created_at, updated_at) "
                    "VALUES (1, 1, 'draft', '2026-01-01', '2026-01-01')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO case_version (id, case_id, number, title, tags, info, analysis, discussion, methods, "
                    "improvements, created_at, updated_at) VALUES (1, 1, 1, 't', '', :info, :many, '', '', '', "
                    "'2026-01-01', '2026-01-01')"
                ),
                {"info": "**旧的**案例", "many": "[" * 4999},
            )
        upgrade(revision="0008")
        with _db.engine.connect() as connection:
            stored = connection.execute(select(text("rendered_html")).select_from(text("case_version"))).scalar()
        stored = json.loads(stored) if isinstance(stored, str) else stored
        assert stored == {"info": "<p><strong>旧的</strong>案例</p>", "analysis": "<p>" + "[" * 4999 + "</p>"}
        downgrade(revision="0007")
        assert "rendered_html" not in {c["name"] for c in inspect(_db.engine).get_columns("case_version")}
        _db.engine.dispose()
