"""One line of plain Chinese for a ledger fact, from its payload alone (the contract says payloads carry it). Pure.

Used by the record timeline, the evidence under each rule and the exports. A
kind this code does not know, or a payload missing a key, still gets a line:
the kind's name and what the payload has.
"""

from __future__ import annotations

GRADE_NAMES = {"S": "卓越", "A": "优秀", "B": "良好", "C": "待改进", "D": "不合格"}
AWARD_NAMES = {"best_newcomer": "年度「最佳新人」", "quarter_top_sales": "季度销冠", "other": "其他奖项"}


def _get(payload: dict, key: str, default: str = "—") -> str:
    value = payload.get(key)
    return default if value is None or value == "" else str(value)


def _grade(payload: dict) -> str:
    parts = [f"{_get(payload, 'period')} 绩效"]
    if payload.get("grade"):
        parts.append(f"等级 {payload['grade']}（{GRADE_NAMES.get(payload['grade'], '')}）")
    if payload.get("score") is not None:
        parts.append(f"总分 {payload['score']}")
    if payload.get("kpi_rate") is not None:
        parts.append(f"KPI达成率 {payload['kpi_rate']}%")
    if payload.get("satisfaction_percentile") is not None:
        parts.append(f"客户满意度排名前 {payload['satisfaction_percentile']}%")
    text = "，".join(parts)
    return text + (f"；更正原因：{payload['reason']}" if payload.get("reason") else "")


def _exam(payload: dict) -> str:
    passed = "通过" if payload.get("passed") else "未通过"
    return f"{_get(payload, 'exam_title')} 第 {_get(payload, 'attempt')} 次：{_get(payload, 'score')} 分，{passed}"


def _onboarding(payload: dict) -> str:
    if payload.get("on_time"):
        return f"{_get(payload, 'finished_on')} 完成入职培训（按时）"
    return f"{_get(payload, 'finished_on')} 完成入职培训，逾期 {_get(payload, 'days_late')} 天"


def _award(payload: dict) -> str:
    name = AWARD_NAMES.get(payload.get("award"), "奖项")
    return f"{_get(payload, 'period')} {_get(payload, 'title', name)}" + (
        f"：{payload['citation']}" if payload.get("citation") else ""
    )


def _skill_level(payload: dict) -> str:
    action = "撤销" if payload.get("event") == "revoked" else "达到"
    return f"{action} {_get(payload, 'dimension_label')}·{_get(payload, 'level_label')}"


def _certificate(payload: dict) -> str:
    action = "撤销" if payload.get("event") == "revoked" else "获颁"
    return f"{action}证书「{_get(payload, 'achievement')}」（编号 {_get(payload, 'number')}）"


def _confirmed(payload: dict) -> str:
    met = sum(1 for rule in payload.get("rules", []) if rule.get("met"))
    return f"{_get(payload, 'period')} 激励资格经人力资源确认：符合 {met} 条规则"


_FORMATTERS = {
    "performance_grade": _grade,
    "exam_graded": _exam,
    "onboarding_finished": _onboarding,
    "award": _award,
    "skill_level": _skill_level,
    "skill_certificate": _certificate,
    "eligibility_confirmed": _confirmed,
    "suggestion_adopted": lambda p: f"建议「{_get(p, 'title')}」被采纳",
    "case_review_published": lambda p: f"发布案例复盘「{_get(p, 'title')}」（第 {_get(p, 'version')} 版）",
    "case_rating_summary": lambda p: f"案例「{_get(p, 'title')}」获 {_get(p, 'raters')} 人评分，平均 {_get(p, 'mean')}",
    "sharing_attended": lambda p: f"{_get(p, 'held_on')} 参加分享会「{_get(p, 'title')}」",
    "skill_assessment": lambda p: (
        f"技能考核 {_get(p, 'cell')}：{_get(p, 'score')} 分，{'通过' if p.get('passed') else '未通过'}"
    ),
}


def describe_fact(kind: str, payload: dict) -> str:
    """The fact as one line people read."""
    formatter = _FORMATTERS.get(kind)
    if formatter is None:
        return "，".join(f"{key} {value}" for key, value in payload.items() if not isinstance(value, dict | list))
    try:
        return formatter(payload)
    except (TypeError, AttributeError):  # a payload of an unexpected shape still shows, as data
        return str(payload)
