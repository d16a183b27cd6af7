"""The main navigation, by role. Features add their entries to NAV_ITEMS."""

from dataclasses import dataclass
from functools import lru_cache

from flask import request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavEntry:
    label: str
    endpoint: str
    roles: tuple[str, ...] = ()  # empty: everyone signed in
    group: str = ""  # the menu it sits in; "" for a link of its own in the bar


STAFF = ("mentor", "manager", "hr", "admin")
OFFICE = ("hr", "admin")

# Grouped so that even HR's two dozen entries fit one bar: each group is a menu that opens on click.
NAV_GROUPS = ("学习", "我的", "团队", "管理")

NAV_ITEMS: list[NavEntry] = [
    NavEntry("首页", "dashboard.home"),
    NavEntry("课程", "courses.index", group="学习"),
    NavEntry("技能路径", "tracks.my_skills", group="学习"),
    NavEntry("考试", "exams.my_exams", group="学习"),
    NavEntry("案例库", "cases.list_cases", group="学习"),
    NavEntry("我的绩效", "performance.my_grades", group="我的"),
    NavEntry("改进建议", "suggestions.my_suggestions", group="我的"),
    NavEntry("我的档案", "incentives.my_record", group="我的"),
    NavEntry("我的证书", "certificates.my_certificates", group="我的"),
    NavEntry("技能评估", "tracks.queue", STAFF, group="团队"),
    NavEntry("入职进度", "onboarding.team", STAFF, group="团队"),
    NavEntry("团队技能", "skills_team.matrix", STAFF, group="团队"),
    NavEntry("绩效跟进", "performance.list_reviews", ("manager", "hr", "admin"), group="团队"),
    NavEntry("团队激励", "incentives.team", ("manager", "hr", "admin"), group="团队"),
    NavEntry("考试管理", "exam_admin.list_exams", ("manager", "hr", "admin"), group="管理"),
    NavEntry("人员管理", "people.list_people", OFFICE, group="管理"),
    NavEntry("导入人员", "people.import_people", OFFICE, group="管理"),
    NavEntry("题库", "question_bank.list_questions", OFFICE, group="管理"),
    NavEntry("绩效导入", "performance.import_grades", OFFICE, group="管理"),
    NavEntry("激励报表", "incentives.period_report", OFFICE, group="管理"),
    NavEntry("技能证书", "certificates.list_certificates", OFFICE, group="管理"),
    NavEntry("审计日志", "audit.list_entries", ("admin",), group="管理"),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


@dataclass(frozen=True)
class NavMenu:
    """A link of its own (`links` empty, `url` set) or a group of links that opens as a menu."""

    label: str
    url: str | None
    active: bool
    links: tuple[NavLink, ...] = ()


def layout_url(endpoint: str, **values) -> str:
    """url_for, built once per worker, for links from a small fixed set.

    Meant for the links every page repeats (stylesheet, script, menu) and
    the course's own (a lesson's neighbours): such a URL depends only on the
    endpoint, its arguments and the prefix the app is mounted under, and
    building it again on every view cost a visible share of a lesson page.
    Not for links to people's objects, whose number has no bound.
    """
    return _built_url(request.script_root, endpoint, tuple(sorted(values.items())))


@lru_cache(maxsize=256)
def _built_url(_script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def nav_items() -> tuple[NavMenu, ...]:
    """The menus and links the signed-in person may use, in the bar's order, with the current one marked."""
    return _nav_menus(frozenset(current_user.roles), request.endpoint, request.script_root)


@lru_cache(maxsize=1024)
def _nav_menus(roles: frozenset[str], endpoint: str | None, script_root: str) -> tuple[NavMenu, ...]:
    # Every page asks, and the answer depends only on these three (a bounded set:
    # combinations of five roles times the app's endpoints).
    allowed = [entry for entry in NAV_ITEMS if not entry.roles or roles.intersection(entry.roles)]
    menus = [
        NavMenu(entry.label, _built_url(script_root, entry.endpoint, ()), endpoint == entry.endpoint)
        for entry in allowed
        if not entry.group
    ]
    for group in NAV_GROUPS:
        links = tuple(
            NavLink(entry.label, _built_url(script_root, entry.endpoint, ()), endpoint == entry.endpoint)
            for entry in allowed
            if entry.group == group
        )
        if links:
            menus.append(NavMenu(group, None, any(link.active for link in links), links))
    return tuple(menus)
