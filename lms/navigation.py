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


NAV_ITEMS: list[NavEntry] = [
    NavEntry("首页", "dashboard.home"),
    NavEntry("课程", "courses.index"),
    NavEntry("技能路径", "tracks.my_skills"),
    NavEntry("技能评估", "tracks.queue", ("mentor", "manager", "hr", "admin")),
    NavEntry("入职进度", "onboarding.team", ("mentor", "manager", "hr", "admin")),
    NavEntry("团队技能", "skills_team.matrix", ("mentor", "manager", "hr", "admin")),
    NavEntry("案例库", "cases.list_cases"),
    NavEntry("考试", "exams.my_exams"),
    NavEntry("考试管理", "exam_admin.list_exams", ("manager", "hr", "admin")),
    NavEntry("人员管理", "people.list_people", ("hr", "admin")),
    NavEntry("题库", "question_bank.list_questions", ("hr", "admin")),
    NavEntry("导入人员", "people.import_people", ("hr", "admin")),
    NavEntry("我的绩效", "performance.my_grades"),
    NavEntry("改进建议", "suggestions.my_suggestions"),
    NavEntry("绩效跟进", "performance.list_reviews", ("manager", "hr", "admin")),
    NavEntry("绩效导入", "performance.import_grades", ("hr", "admin")),
    NavEntry("我的档案", "incentives.my_record"),
    NavEntry("团队激励", "incentives.team", ("manager", "hr", "admin")),
    NavEntry("激励报表", "incentives.period_report", ("hr", "admin")),
    NavEntry("我的证书", "certificates.my_certificates"),
    NavEntry("技能证书", "certificates.list_certificates", ("hr", "admin")),
    NavEntry("审计日志", "audit.list_entries", ("admin",)),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


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


def nav_items() -> tuple[NavLink, ...]:
    """The entries the signed-in person may use, with the current one marked."""
    return _nav_links(frozenset(current_user.roles), request.endpoint, request.script_root)


@lru_cache(maxsize=1024)
def _nav_links(roles: frozenset[str], endpoint: str | None, script_root: str) -> tuple[NavLink, ...]:
    # Every page asks, and the answer depends only on these three (a bounded set:
    # combinations of five roles times the app's endpoints).
    return tuple(
        NavLink(entry.label, _built_url(script_root, entry.endpoint, ()), endpoint == entry.endpoint)
        for entry in NAV_ITEMS
        if not entry.roles or roles.intersection(entry.roles)
    )
