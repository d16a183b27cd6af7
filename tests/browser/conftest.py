"""Browser fixtures: a live server on loopback and Debian's Chromium through Playwright.

Every test here is marked `browser` and is left out of the default run; CI
runs them with `pytest -m browser`. The server is the real app (TESTING off,
so the Chinese error pages render as in production) on a temporary SQLite
file, served by werkzeug in a thread. Screenshots of failed tests land in
tests/browser/artifacts/.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from lms import create_app
from lms.auth.service import hash_password
from lms.extensions import db
from lms.models import User

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "Browser-pass-1"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# A loaded two-core CI machine can be slow to render; wait longer than 5 s.
expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, so `page` can tell a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class LiveServer:
    app: object
    url: str

    def path(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on a temp-file SQLite database, served on 127.0.0.1 at a free port."""
    database = tmp_path_factory.mktemp("live") / "lms.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "browser-test-secret",
            "SESSION_COOKIE_SECURE": False,  # plain http on loopback
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


_numbers = itertools.count(1)


@pytest.fixture
def make_person(live_server):
    """Factory: make_person(roles=("rep",), **fields) creates a person who can sign in with PASSWORD."""

    def factory(roles=("rep",), password: str = PASSWORD, **fields) -> User:
        number = next(_numbers)
        fields.setdefault("employee_no", f"B{number:04d}")
        fields.setdefault("name", f"浏览器测试{number}")
        fields.setdefault("email", f"b{number}@example.com")
        fields.setdefault("team", "华东一组")
        with live_server.app.app_context():
            person = User(active=True, **fields)
            person.set_roles(set(roles))
            person.password_hash = hash_password(password)
            db.session.add(person)
            db.session.commit()
            db.session.refresh(person)
            db.session.expunge(person)
        return person

    return factory


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's, never a downloaded build)."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        # Playwright turns the back/forward cache off; people's browsers have
        # it on, and it decides what the back button shows after sign-out.
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield chromium
    chromium.close()
    playwright.stop()


def _screenshot_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])


def _failed(item) -> bool:
    return any(
        getattr(item, f"report_{when}", None) is not None and getattr(item, f"report_{when}").failed
        for when in ("setup", "call")
    )


def _new_page(browser, request, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if _failed(request.node):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{_screenshot_name(request.node.nodeid)}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) at desktop width; screenshot on failure."""
    yield from _new_page(browser, request, DESKTOP)


@pytest.fixture(params=["desktop", "phone"])
def sized_page(browser, request):
    """Like `page`, once at desktop and once at phone width; `page.width_name` says which."""
    for page in _new_page(browser, request, {"desktop": DESKTOP, "phone": PHONE}[request.param]):
        page.width_name = request.param
        yield page


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, person_or_login, password=PASSWORD): fill and submit the sign-in form."""

    def action(page, who, password: str = PASSWORD):
        login = who.employee_no if isinstance(who, User) else who
        page.goto(live_server.path("/login"))
        page.get_by_label("工号或邮箱").fill(login)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()

    return action


@pytest.fixture
def upload_csv(live_server):
    """upload_csv(page, name, text): submit a CSV (UTF-8 with BOM) on /people/import for a preview."""

    def action(page, name: str, text: str):
        page.goto(live_server.path("/people/import"))
        page.get_by_label("CSV 文件").set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8-sig")}]
        )
        page.get_by_role("button", name="预览导入").click()
        page.wait_for_load_state()

    return action
