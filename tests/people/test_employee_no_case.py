"""Employee numbers are unique ignoring case, as sign-in reads them (issue 12, 3)."""

import pytest
from alembic import command as alembic_command
from flask_migrate import upgrade
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from lms import create_app
from lms.extensions import db as _db
from lms.models import User
from lms.people import service

# Plain SQL: the model's insert would name columns that later migrations add.
_ADD_USER = text(
    "INSERT INTO user (employee_no, name, email, active, created_at, updated_at)"
    " VALUES (:no, 'x', :email, 1, '2026-01-01', '2026-01-01')"
)
PERSON = {
    "name": "新同事",
    "email": "new@example.com",
    "hire_date": "",
    "team": "",
    "manager_no": "",
    "mentor_no": "",
    "roles": ["rep"],
}


def test_a_case_duplicate_is_a_chinese_field_error(app, client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    make_user(employee_no="S00120", name="张三")
    body = client.post_form("/people/new", {**PERSON, "employee_no": "s00120"}).get_data(as_text=True)
    assert "工号 s00120 与 张三 的工号 S00120 仅大小写不同" in body
    with app.app_context():
        assert _db.session.scalars(select(User).where(User.employee_no == "s00120")).first() is None


def test_renaming_to_a_case_duplicate_is_refused_and_own_case_change_is_not(db, make_user):
    first, second = make_user(employee_no="S1"), make_user(employee_no="S2")
    person = db.session.get(User, second.id)
    data = service.PersonData(employee_no="s1", name=person.name, email=person.email)
    with pytest.raises(service.PersonError) as raised:
        service.save_person(data, person)
    assert raised.value.field == "employee_no" and "仅大小写不同" in str(raised.value)
    own = db.session.get(User, first.id)
    service.save_person(service.PersonData(employee_no="s1", name=own.name, email=own.email), own)
    assert own.employee_no == "s1"


def test_check_employee_no_free_is_the_function_the_import_calls(db, make_user):
    make_user(employee_no="ab-7")
    service.check_employee_no_free("XY-1")
    with pytest.raises(service.PersonError, match="AB-7"):
        service.check_employee_no_free("AB-7")
    assert service.employee_no_key(" AB-7 ") == "ab-7"


def test_the_database_refuses_a_case_duplicate(db, make_user):
    make_user(employee_no="S00120")
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(User).values(
                employee_no="s00120",
                name="x",
                email="x@example.com",
                created_at=db.func.now(),
                updated_at=db.func.now(),
            )
        )
        db.session.flush()
    db.session.rollback()


def test_after_the_migrations_the_index_holds_on_sqlite_too(tmp_path):
    # Alembic's model comparison cannot see an expression index on SQLite, so check it here, on a
    # database that had people before the later migrations ran (a batch rebuild of the user table
    # would drop the index, and its DROP TABLE would cascade into the people's roles).
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite3"})
    with app.app_context():
        upgrade(revision="0007")
        with _db.engine.begin() as connection:
            connection.execute(_ADD_USER, {"no": "S00120", "email": "a@example.com"})
            connection.execute(text("INSERT INTO user_role (user_id, role) SELECT id, 'admin' FROM user"))
        upgrade()
        with _db.engine.connect() as connection:
            assert connection.execute(text("SELECT role FROM user_role")).scalars().all() == ["admin"]
            with pytest.raises(IntegrityError):
                connection.execute(_ADD_USER, {"no": "s00120", "email": "b@example.com"})
        _db.engine.dispose()


def test_the_upgrade_names_existing_case_duplicates(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.sqlite3"})
    with app.app_context():
        upgrade(revision="0006")
        with _db.engine.begin() as connection:
            for number, email in (("S00120", "a@example.com"), ("s00120", "b@example.com"), ("T1", "c@example.com")):
                connection.execute(_ADD_USER, {"no": number, "email": email})
        # Alembic's own command, which raises (Flask-Migrate's logs the error and exits).
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match="以下工号仅大小写不同，登录时会被视为同一工号：S00120、s00120。"):
            alembic_command.upgrade(config, "head")
        _db.engine.dispose()
