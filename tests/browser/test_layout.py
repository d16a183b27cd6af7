"""The main pages fit a desktop and a phone screen.

Each page is saved as tests/browser/artifacts/layout-<page>-<width>.png for
a person to look at; the test itself checks that nothing makes the page
scroll sideways (wide tables scroll inside their own box).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"


def _check_and_save(page, name: str, width_name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{width_name}.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width_name} width"


def test_login_page_fits(sized_page, live_server):
    sized_page.goto(live_server.path("/login"))
    expect(sized_page.get_by_label("工号或邮箱")).to_be_visible()
    _check_and_save(sized_page, "login", sized_page.width_name)


def test_people_list_fits(sized_page, live_server, make_person, sign_in):
    boss = make_person(roles=("manager",), name="欧阳经理")
    for index in range(3):
        make_person(
            roles=("rep", "mentor"),
            manager_id=boss.id,
            email=f"a.rather.long.address.{index}.{sized_page.width_name}@sales-east.example.com",
        )
    sign_in(sized_page, make_person(roles=("hr",)))
    sized_page.goto(live_server.path("/people/"))
    expect(sized_page.get_by_role("heading", name="人员管理")).to_be_visible()
    _check_and_save(sized_page, "people-list", sized_page.width_name)
    if sized_page.width_name == "phone":
        sized_page.get_by_role("button", name="菜单").click()
        expect(sized_page.get_by_role("navigation", name="主导航")).to_be_visible()
        _check_and_save(sized_page, "people-list-menu", sized_page.width_name)


def test_import_preview_fits(sized_page, make_person, sign_in, upload_csv):
    sign_in(sized_page, make_person(roles=("hr",)))
    suffix = sized_page.width_name
    upload_csv(
        sized_page,
        "preview.csv",
        "工号,姓名,邮箱,入职日期,团队,角色\n"
        + "".join(
            f"L{suffix}{n},预览{n},l{suffix}{n}@example.com,2026-04-0{n},华南三组,销售代表\n" for n in range(1, 5)
        ),
    )
    expect(sized_page.get_by_role("button", name="确认导入")).to_be_visible()
    _check_and_save(sized_page, "import-preview", suffix)
    upload_csv(sized_page, "errors.csv", "工号,姓名,邮箱\nX1,某人,not-an-email\n,无工号,x2@example.com\n")
    expect(sized_page.locator(".error-list li")).to_have_count(2)
    _check_and_save(sized_page, "import-errors", suffix)
