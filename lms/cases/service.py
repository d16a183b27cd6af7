"""Case reviews: authoring, the review workflow, versions, search, ratings and sharing sessions.

Functions take the acting `user` explicitly, flush but never commit, and raise
`CaseError` (with the offending form field, when there is one) for a broken
rule. The caller commits once.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session

from lms.cases import facts as case_facts
from lms.cases import search
from lms.domain import DomainError
from lms.extensions import db
from lms.markdown import MAX_USER_LINES, render_user_markdown
from lms.models import User, utcnow
from lms.models.cases import (
    CASE_OUTCOME_LABELS,
    CASE_PART_LABELS,
    CASE_PARTS,
    CASE_SEGMENT_LABELS,
    RATING_CRITERIA,
    CaseRating,
    CaseReview,
    CaseSearchEntry,
    CaseStatus,
    CaseTransition,
    CaseVersion,
    CaseVersionClause,
    CaseVersionDimension,
    SharingAttendance,
    SharingSession,
    SharingSessionCase,
)
from lms.request_policy import MAX_ID
from lms.skills import SKILL_DIMENSIONS

# Limits, enforced here and mirrored in forms.py.
TITLE_MAX = 120
PART_MAX = 5000
PART_MAX_LINES = MAX_USER_LINES  # what a part may hold is what renders within the time bound
TAG_MAX = 20
TAGS_MAX_COUNT = 10
CLAUSES_MAX = 10
COMMENT_MAX = 1000
SESSION_CASES_MAX = 20
MIN_RATERS = 3

AUTHOR_ROLES = ("mentor", "manager", "admin")
REVIEWER_ROLES = ("manager", "admin")
CLAUSE_ID = re.compile(r"(ch\d{1,2}|\d{1,2}(\.\d{1,2}){0,3})")
MONTH = re.compile(r"(\d{4})-(\d{2})")
_CLAUSE_CACHE: dict[tuple[str, int], frozenset[str] | None] = {}


class CaseError(DomainError):
    """A case-review rule is broken; `field` names the form field, or is None."""


@dataclass
class CaseData:
    """What an author writes: classification and the four parts of 5.4."""

    title: str
    outcome: str | None = None
    segment: str | None = None
    dimensions: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    info: str = ""
    analysis: str = ""
    discussion: str = ""
    methods: str = ""
    improvements: str = ""


# --- clause ids ---


def known_clause_ids() -> frozenset[str] | None:
    """The clause ids of the loaded course, or None when no course is available.

    Uses `lms.courses.loader.load_course(CONTENT_DIR)` when that module exists;
    until then (or with no content folder) any well-formed id is accepted.
    """
    try:
        from lms.courses import loader
    except ImportError:
        return None
    content_dir = current_app.config.get("CONTENT_DIR") or ""
    if not content_dir or not Path(content_dir).is_dir():
        return None
    # Keyed by folder and the newest file time, so a rebuilt course is seen without a restart.
    key = (content_dir, max((p.stat().st_mtime_ns for p in Path(content_dir).rglob("*.md")), default=0))
    if key not in _CLAUSE_CACHE:
        try:
            _CLAUSE_CACHE[key] = _clause_ids_of(loader.load_course(Path(content_dir)))
        except Exception:  # a broken course must not block writing cases
            current_app.logger.exception("课程内容无法加载，条款编号只检查格式")
            _CLAUSE_CACHE[key] = None
    return _CLAUSE_CACHE[key]


def _clause_ids_of(course) -> frozenset[str] | None:
    """Every lesson's clause id and the sub-clauses it holds (7.2.2 lives in 7.2)."""
    ids = set()
    for lesson in course.lessons:
        ids.add(lesson.clause_id)
        ids.update(lesson.subclauses)
    return frozenset(ids) or None


def parse_clauses(raw: str) -> list[str]:
    """Split "5.4, 2.1" into ids, keeping order and dropping duplicates."""
    parts = [part.strip() for part in re.split(r"[,，、\s]+", raw or "") if part.strip()]
    return list(dict.fromkeys(parts))


def parse_tags(raw: str) -> list[str]:
    """Split tags on commas (half- or full-width); keep order, drop duplicates."""
    parts = [part.strip() for part in re.split(r"[,，、]+", raw or "") if part.strip()]
    return list(dict.fromkeys(parts))


# --- validation ---


def _check_data(data: CaseData) -> None:
    """Limits and vocabularies; required parts are checked on submission."""
    if not data.title.strip():
        raise CaseError("请填写标题。", "title")
    if len(data.title) > TITLE_MAX:
        raise CaseError(f"标题不能超过 {TITLE_MAX} 个字符。", "title")
    if data.outcome and data.outcome not in CASE_OUTCOME_LABELS:
        raise CaseError("请选择有效的结果。", "outcome")
    if data.segment and data.segment not in CASE_SEGMENT_LABELS:
        raise CaseError("请选择有效的客户类型。", "segment")
    unknown = [code for code in data.dimensions if code not in SKILL_DIMENSIONS]
    if unknown:
        raise CaseError("未知的技能维度：" + "、".join(unknown), "dimensions")
    _check_clauses(data.clauses)
    if len(data.tags) > TAGS_MAX_COUNT or any(len(tag) > TAG_MAX for tag in data.tags):
        raise CaseError(f"最多 {TAGS_MAX_COUNT} 个标签，每个不超过 {TAG_MAX} 个字符。", "tags")
    for name in CASE_PARTS:
        if len(getattr(data, name)) > PART_MAX:
            raise CaseError(f"“{CASE_PART_LABELS[name]}”不能超过 {PART_MAX} 个字符。", name)
        if getattr(data, name).count("\n") >= PART_MAX_LINES:
            raise CaseError(f"“{CASE_PART_LABELS[name]}”不能超过 {PART_MAX_LINES} 行。", name)


def _check_clauses(clauses: list[str]) -> None:
    if len(clauses) > CLAUSES_MAX:
        raise CaseError(f"最多关联 {CLAUSES_MAX} 个条款。", "clauses")
    malformed = [clause for clause in clauses if not CLAUSE_ID.fullmatch(clause)]
    if malformed:
        raise CaseError("条款编号格式应如 5.4、7.2.2 或 ch7（章引言）：" + "、".join(malformed), "clauses")
    known = known_clause_ids()
    if known is not None:
        missing = [clause for clause in clauses if clause not in known]
        if missing:
            raise CaseError("课程中没有这些条款：" + "、".join(missing), "clauses")


def _check_complete(version: CaseVersion) -> None:
    """A case can be submitted only with everything a reader needs."""
    if not version.outcome:
        raise CaseError("提交前请选择结果（成功或失败）。", "outcome")
    if not version.segment:
        raise CaseError("提交前请选择客户类型。", "segment")
    if not version.dimensions:
        raise CaseError("提交前请至少选择一个技能维度。", "dimensions")
    for name in ("info", "analysis", "discussion"):
        if not getattr(version, name).strip():
            raise CaseError(f"提交前请填写“{CASE_PART_LABELS[name]}”。", name)
    if not (version.methods.strip() or version.improvements.strip()):
        raise CaseError("提交前请填写总结提炼：可复制的方法或需改进的方面，至少一项。", "methods")


# --- authoring and workflow ---


def _fill(version: CaseVersion, data: CaseData) -> None:
    version.title = data.title.strip()
    version.outcome = data.outcome or None
    version.segment = data.segment or None
    version.tags = ",".join(data.tags)
    for name in CASE_PARTS:
        setattr(version, name, getattr(data, name))
    version.rendered_html = render_parts(data)
    version.dimension_rows = [CaseVersionDimension(code=code, position=i) for i, code in enumerate(data.dimensions)]
    version.clause_rows = [CaseVersionClause(clause_id=clause, position=i) for i, clause in enumerate(data.clauses)]


def render_parts(data) -> dict[str, str]:
    """The sanitised HTML of each non-empty part of `data` (a CaseData or a CaseVersion).

    Rendered here, when a version is saved, and stored: a case page then
    shows stored HTML and never runs Markdown (migration 0008 rendered the
    versions saved before).
    """
    return {name: str(render_user_markdown(text)) for name in CASE_PARTS if (text := getattr(data, name))}


def _log(case: CaseReview, action: str, from_status: str | None, actor: User, comment: str = "") -> None:
    case.transitions.append(
        CaseTransition(
            version_number=case.latest.number,
            action=action,
            from_status=from_status,
            to_status=case.status,
            actor_id=actor.id,
            comment=comment,
            created_at=utcnow(),
        )
    )


def create_case(data: CaseData, author: User) -> CaseReview:
    """Start a case review as a draft (version 1). Raises CaseError."""
    if not author.has_role(*AUTHOR_ROLES):
        raise CaseError("只有导师和主管可以撰写案例。")
    _check_data(data)
    case = CaseReview(author_id=author.id, status=CaseStatus.DRAFT.value)
    version = CaseVersion(number=1, created_by_id=author.id)
    _fill(version, data)
    case.versions.append(version)
    db.session.add(case)
    _log(case, "create", None, author)
    db.session.flush()
    return case


def update_case(case: CaseReview, data: CaseData, editor: User) -> CaseVersion:
    """Save an edit. A draft changes in place; a published case gets a new draft version.

    Raises CaseError while the case is under review or archived, or for
    someone other than the author.
    """
    if case.author_id != editor.id:
        raise CaseError("只能修改自己撰写的案例。")
    if case.status == CaseStatus.SUBMITTED:
        raise CaseError("案例正在审核中，审核完成前不能修改。")
    if case.status == CaseStatus.ARCHIVED:
        raise CaseError("案例已归档，不能修改。")
    _check_data(data)
    if case.status == CaseStatus.PUBLISHED:
        version = CaseVersion(number=case.latest.number + 1, created_by_id=editor.id)
        _fill(version, data)
        case.versions.append(version)
        case.status = CaseStatus.DRAFT.value
        _log(case, "revise", CaseStatus.PUBLISHED.value, editor)
    else:
        version = case.latest
        _fill(version, data)
    case.updated_at = utcnow()
    db.session.flush()
    return version


def submit_case(case: CaseReview, author: User) -> None:
    """Send a draft to the managers for review. Raises CaseError if incomplete."""
    if case.author_id != author.id:
        raise CaseError("只能提交自己撰写的案例。")
    if case.status != CaseStatus.DRAFT:
        raise CaseError("只有草稿可以提交审核。")
    _check_complete(case.latest)
    _check_data(_data_of(case.latest))
    case.status = CaseStatus.SUBMITTED.value
    _log(case, "submit", CaseStatus.DRAFT.value, author)
    db.session.flush()


def _check_reviewer(case: CaseReview, reviewer: User) -> None:
    if not reviewer.has_role(*REVIEWER_ROLES):
        raise CaseError("只有销售主管可以审核案例。")
    if case.status != CaseStatus.SUBMITTED:
        raise CaseError("该案例不在待审核状态。")
    if case.author_id == reviewer.id:
        raise CaseError("不能审核自己撰写的案例，请由其他主管审核。")


def approve_case(case: CaseReview, reviewer: User, comment: str = "") -> None:
    """Publish the submitted version; it becomes what readers see and is indexed."""
    _check_reviewer(case, reviewer)
    _check_comment(comment, required=False)
    now = utcnow()
    version = case.latest
    version.published_at = now
    case.published_number = version.number
    case.first_published_at = case.first_published_at or now
    case.published_at = now
    case.status = CaseStatus.PUBLISHED.value
    _log(case, "approve", CaseStatus.SUBMITTED.value, reviewer, comment.strip())
    db.session.flush()
    search.index_version(db.session, case.id, version)
    case_facts.record_published(case, reviewer)  # last: the fact commits with the publication (issue 14)


def send_back_case(case: CaseReview, reviewer: User, comment: str) -> None:
    """Return a submitted case to its author as a draft, with a required comment."""
    _check_reviewer(case, reviewer)
    _check_comment(comment, required=True)
    case.status = CaseStatus.DRAFT.value
    _log(case, "send_back", CaseStatus.SUBMITTED.value, reviewer, comment.strip())
    db.session.flush()


def archive_case(case: CaseReview, user: User, comment: str = "") -> None:
    """Archive a case (its author or a manager): it leaves search and lesson pages."""
    if case.author_id != user.id and not user.has_role(*REVIEWER_ROLES):
        raise CaseError("只有作者或销售主管可以归档案例。")
    if case.status == CaseStatus.ARCHIVED:
        raise CaseError("案例已归档。")
    _check_comment(comment, required=False)
    previous = case.status
    case.status = CaseStatus.ARCHIVED.value
    case.archived_at = utcnow()
    _log(case, "archive", previous, user, comment.strip())
    search.unindex_case(db.session, case.id)
    db.session.flush()


def _check_comment(comment: str, required: bool) -> None:
    if required and not comment.strip():
        raise CaseError("退回时请填写修改意见。", "comment")
    if len(comment) > COMMENT_MAX:
        raise CaseError(f"意见不能超过 {COMMENT_MAX} 个字符。", "comment")


def _data_of(version: CaseVersion) -> CaseData:
    return CaseData(
        title=version.title,
        outcome=version.outcome,
        segment=version.segment,
        dimensions=version.dimensions,
        clauses=version.clauses,
        tags=version.tag_list,
        **{name: getattr(version, name) for name in CASE_PARTS},
    )


# --- reading ---


def can_read(case: CaseReview, user: User) -> bool:
    """Everyone reads public cases; the author and managers also see drafts and archives."""
    return case.is_public or case.author_id == user.id or user.has_role(*REVIEWER_ROLES)


def can_read_version(case: CaseReview, version: CaseVersion, user: User) -> bool:
    """Published versions are readable by anyone who can read the case; drafts by author and managers."""
    if case.author_id == user.id or user.has_role(*REVIEWER_ROLES):
        return True
    return case.is_public and version.published_at is not None


def version_for_reader(case: CaseReview, user: User) -> CaseVersion:
    """What a person sees on the case page: the author and managers the newest, others the published."""
    if case.author_id == user.id or user.has_role(*REVIEWER_ROLES):
        return case.latest
    return case.published or case.latest


def my_cases(author: User):
    """A select() of the author's own cases, newest first."""
    return (
        select(CaseReview)
        .where(CaseReview.author_id == author.id)
        .order_by(CaseReview.updated_at.desc(), CaseReview.id.desc())
    )


def review_queue():
    """A select() of the cases waiting for a manager, oldest first."""
    return (
        select(CaseReview)
        .where(CaseReview.status == CaseStatus.SUBMITTED)
        .order_by(CaseReview.updated_at, CaseReview.id)
    )


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "equal", "insert", "delete"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    label: str
    rows: list[DiffRow]


def _diff_fields(version: CaseVersion) -> dict[str, str]:
    return {
        "标题": version.title,
        "结果": CASE_OUTCOME_LABELS.get(version.outcome or "", "—"),
        "客户类型": CASE_SEGMENT_LABELS.get(version.segment or "", "—"),
        "技能维度": "、".join(SKILL_DIMENSIONS.get(code, code) for code in version.dimensions),
        "相关条款": "、".join(version.clauses),
        "标签": "、".join(version.tag_list),
        **{CASE_PART_LABELS[name]: getattr(version, name) for name in CASE_PARTS},
    }


def version_diff(old: CaseVersion | None, new: CaseVersion) -> list[FieldDiff]:
    """Line diff (difflib) of every changed field between two versions; plain text, escaped by the template."""
    before = _diff_fields(old) if old else {}
    diffs = []
    for label, after_text in _diff_fields(new).items():
        before_text = before.get(label, "")
        if before_text == after_text:
            continue
        a, b = before_text.splitlines(), after_text.splitlines()
        rows: list[DiffRow] = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "equal":
                rows.extend(DiffRow("equal", line) for line in a[i1:i2])
                continue
            rows.extend(DiffRow("delete", line) for line in a[i1:i2])
            rows.extend(DiffRow("insert", line) for line in b[j1:j2])
        diffs.append(FieldDiff(label, rows))
    return diffs


# --- search and lists ---


@dataclass
class CaseFilters:
    """Search terms and filters of the case list."""

    q: str = ""
    outcome: str = ""
    segment: str = ""
    dimension: str = ""
    clause: str = ""
    author_id: int | None = None
    month: str = ""


@dataclass(frozen=True)
class CaseSummary:
    """A published case as lists show it."""

    id: int
    title: str
    outcome: str | None
    segment: str | None
    author_name: str
    published_at: datetime | None
    version: CaseVersion


@dataclass
class SearchPage:
    """One page of search results (no total: counting every match would cost more than the page)."""

    items: list[CaseSummary]
    page: int
    has_next: bool
    terms: tuple[str, ...] = ()


def month_range(month: str) -> tuple[datetime, datetime]:
    """The [start, end) datetimes of a "YYYY-MM" month. Raises CaseError."""
    match = MONTH.fullmatch(month or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CaseError("月份格式应为 YYYY-MM。", "month")
    year, number = int(match.group(1)), int(match.group(2))
    end = datetime(year + number // 12, number % 12 + 1, 1)
    return datetime(year, number, 1), end


def _public_statement(filters: CaseFilters, parsed: search.ParsedQuery | None, session: Session):
    stmt = (
        select(CaseSearchEntry.id, CaseReview, CaseVersion, User.name)
        .join(CaseReview, CaseReview.id == CaseSearchEntry.case_id)
        .join(CaseVersion, CaseVersion.id == CaseSearchEntry.version_id)
        .join(User, User.id == CaseReview.author_id)
        .order_by(CaseSearchEntry.id.desc())
    )
    if parsed is not None:
        stmt = search.apply_query(stmt, session, parsed)
    if filters.outcome:
        stmt = stmt.where(CaseVersion.outcome == filters.outcome)
    if filters.segment:
        stmt = stmt.where(CaseVersion.segment == filters.segment)
    if filters.dimension:
        stmt = stmt.where(
            exists().where(
                CaseVersionDimension.version_id == CaseVersion.id, CaseVersionDimension.code == filters.dimension
            )
        )
    if filters.clause:
        stmt = stmt.where(
            exists().where(
                CaseVersionClause.version_id == CaseVersion.id, CaseVersionClause.clause_id == filters.clause
            )
        )
    if filters.author_id:
        stmt = stmt.where(CaseReview.author_id == filters.author_id)
    if filters.month:
        start, end = month_range(filters.month)
        stmt = stmt.where(CaseReview.first_published_at >= start, CaseReview.first_published_at < end)
    return stmt


def _summary(row) -> CaseSummary:
    _, case, version, author_name = row
    return CaseSummary(
        case.id, version.title, version.outcome, version.segment, author_name, case.first_published_at, version
    )


def search_cases(filters: CaseFilters, page: int = 1, per_page: int = 20) -> SearchPage:
    """Published cases matching the terms and filters, newest first. Raises CaseError for a bad query."""
    try:
        parsed = search.parse_query(filters.q)
    except search.SearchQueryError as error:
        raise CaseError(str(error), "q") from error
    page = max(1, page)
    search.prepare_session(db.session)
    stmt = _public_statement(filters, parsed, db.session).offset((page - 1) * per_page).limit(per_page + 1)
    rows = db.session.execute(stmt).all()
    items = [_summary(row) for row in rows[:per_page]]
    return SearchPage(items, page, len(rows) > per_page, parsed.terms if parsed else ())


def search_ids(q: str, limit: int = 20) -> list[int]:
    """The ids of the top `limit` published cases for a query (what the benchmark times)."""
    parsed = search.parse_query(q)
    search.prepare_session(db.session)
    stmt = _public_statement(CaseFilters(), parsed, db.session).with_only_columns(CaseReview.id).limit(limit)
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class CaseLink:
    """What a lesson page shows of a case citing it."""

    id: int
    title: str
    author_name: str


def _cases_citing_query():
    """Published cases citing a clause, newest first: a Core statement over the tables.

    Built once and from table columns rather than mapped attributes, because
    every lesson view runs it and the ORM's handling of the latter cost more
    than the query (see the lesson-page benchmark).
    """
    entry, review, version = CaseSearchEntry.__table__, CaseReview.__table__, CaseVersion.__table__
    cited, author = CaseVersionClause.__table__, User.__table__
    return (
        select(review.c.id, version.c.title, author.c.name.label("author_name"))
        .select_from(entry)
        .join(review, review.c.id == entry.c.case_id)
        .join(version, version.c.id == entry.c.version_id)
        .join(author, author.c.id == review.c.author_id)
        .join(cited, cited.c.version_id == version.c.id)
        .where(cited.c.clause_id == bindparam("clause_id"))
        .order_by(entry.c.id.desc())
        .limit(bindparam("limit"))
    )


_CASES_CITING = _cases_citing_query()


def cited_by_published_case(clause_column):
    """SQL: whether a published case cites the clause in `clause_column`.

    For a page that reads it along with its own row (the lesson page) and
    asks for the list, published_cases_for_clause, only when there is one.
    """
    cited, entry = CaseVersionClause.__table__, CaseSearchEntry.__table__
    return exists().where(cited.c.clause_id == clause_column, entry.c.version_id == cited.c.version_id)


def published_cases_for_clause(clause_id: str, limit: int = 50) -> list[CaseLink]:
    """Published cases citing a guide clause (for its lesson page), newest first."""
    rows = db.session.execute(_CASES_CITING, {"clause_id": clause_id, "limit": limit})
    return [CaseLink(row.id, row.title, row.author_name) for row in rows]


def published_authors() -> list[User]:
    """People with at least one public case, for the author filter."""
    stmt = (
        select(User)
        .where(exists().where(CaseSearchEntry.case_id == CaseReview.id, CaseReview.author_id == User.id))
        .order_by(User.name)
    )
    return list(db.session.scalars(stmt))


# --- ratings ---


@dataclass(frozen=True)
class RatingSummary:
    """Averages per criterion, shown only from MIN_RATERS raters up."""

    count: int
    averages: dict[str, float] | None
    overall: float | None


def rate_case(case: CaseReview, rater: User, scores: dict[str, int]) -> CaseRating:
    """Record (or change) a colleague's rating of a public case. Raises CaseError."""
    if not case.is_public:
        raise CaseError("只能评价已发布的案例。")
    if case.author_id == rater.id:
        raise CaseError("不能评价自己撰写的案例。")
    for name, label in RATING_CRITERIA.items():
        value = scores.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise CaseError(f"“{label}”请打 1 到 5 分。", name)
    case_facts.serialise_ratings(case)  # the 3rd rater's summary is computed in rating order
    now = utcnow()
    current = current_rating(case, rater)
    if current is not None:
        current.replaced_at = now
        db.session.flush()  # free the "one current rating" slot first
    rating = CaseRating(
        case_id=case.id, rater_id=rater.id, created_at=now, **{name: scores[name] for name in RATING_CRITERIA}
    )
    db.session.add(rating)
    db.session.flush()
    case_facts.record_rating(case)  # the summary fact once 3 colleagues rated (issue 14)
    return rating


def current_rating(case: CaseReview, rater: User) -> CaseRating | None:
    """The rater's current rating of the case, if any."""
    return db.session.scalars(
        select(CaseRating).where(
            CaseRating.case_id == case.id, CaseRating.rater_id == rater.id, CaseRating.replaced_at.is_(None)
        )
    ).first()


def rating_summary(case: CaseReview) -> RatingSummary:
    """Rater count and, from MIN_RATERS up, the average of each criterion and overall."""
    columns = [func.avg(getattr(CaseRating, name)) for name in RATING_CRITERIA]
    row = db.session.execute(
        select(func.count(), *columns).where(CaseRating.case_id == case.id, CaseRating.replaced_at.is_(None))
    ).one()
    count = row[0]
    if count < MIN_RATERS:
        return RatingSummary(count, None, None)
    averages = {name: float(value) for name, value in zip(RATING_CRITERIA, row[1:])}
    return RatingSummary(count, averages, sum(averages.values()) / len(averages))


def top_rated_statement():
    """A select() of (CaseSearchEntry.id, case, version, author name, raters, overall) for public cases
    with at least MIN_RATERS raters, best first."""
    overall = sum(func.avg(getattr(CaseRating, name)) for name in RATING_CRITERIA) / len(RATING_CRITERIA)
    ratings = (
        select(CaseRating.case_id, func.count().label("raters"), overall.label("overall"))
        .where(CaseRating.replaced_at.is_(None))
        .group_by(CaseRating.case_id)
        .having(func.count() >= MIN_RATERS)
        .subquery()
    )
    return (
        select(CaseSearchEntry.id, CaseReview, CaseVersion, User.name, ratings.c.raters, ratings.c.overall)
        .join(CaseReview, CaseReview.id == CaseSearchEntry.case_id)
        .join(CaseVersion, CaseVersion.id == CaseSearchEntry.version_id)
        .join(User, User.id == CaseReview.author_id)
        .join(ratings, ratings.c.case_id == CaseReview.id)
        .order_by(ratings.c.overall.desc(), ratings.c.raters.desc(), CaseReview.id.desc())
    )


class RowPagination(SelectPagination):
    """`db.paginate` for a select of several columns: its items are whole rows.

    Flask-SQLAlchemy's SelectPagination keeps only each row's first column
    (`.scalars()`), which gave the top-rated page bare ids where its template
    expects (id, case, version, author, raters, overall) rows.
    """

    def _query_items(self) -> list:
        select_ = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select_).all())


def top_rated_page(page: int, per_page: int) -> RowPagination:
    """One page of top_rated_statement() rows, with the total for the pager."""
    return RowPagination(
        select=top_rated_statement(), session=db.session, page=page, per_page=per_page, error_out=False, count=True
    )


# --- monthly sharing sessions ---


@dataclass
class SessionData:
    """A sharing session as a manager sets it up."""

    month: str
    title: str
    held_on: date | None = None
    case_ids: list[int] = field(default_factory=list)
    expected_ids: list[int] = field(default_factory=list)
    attended_ids: list[int] = field(default_factory=list)


def save_session(data: SessionData, manager: User, session: SharingSession | None = None) -> SharingSession:
    """Create or update the month's 经验分享会: picked cases, 应到 and 参加. Raises CaseError.

    Everyone who attended is counted as expected too.
    """
    if not manager.has_role(*REVIEWER_ROLES):
        raise CaseError("只有销售主管可以组织经验分享会。")
    month_range(data.month)
    if not data.title.strip() or len(data.title) > TITLE_MAX:
        raise CaseError(f"请填写主题（不超过 {TITLE_MAX} 个字符）。", "title")
    if data.held_on and data.held_on.strftime("%Y-%m") != data.month:
        raise CaseError("举办日期应在所选月份内。", "held_on")
    same_month = db.session.scalars(select(SharingSession).where(SharingSession.month == data.month)).first()
    if same_month is not None and same_month is not session:
        raise CaseError(f"{data.month} 已有经验分享会，请编辑原记录。", "month")
    case_ids = list(dict.fromkeys(data.case_ids))
    if len(case_ids) > SESSION_CASES_MAX:
        raise CaseError(f"每次最多选择 {SESSION_CASES_MAX} 个案例。", "case_ids")
    # Only ids an id column can hold go to SQL (PostgreSQL refuses larger integers); the rest are no case.
    possible = [case_id for case_id in case_ids if 0 < case_id <= MAX_ID]
    public = set(db.session.scalars(select(CaseSearchEntry.case_id).where(CaseSearchEntry.case_id.in_(possible))))
    if set(case_ids) - public:
        raise CaseError("只能选择已发布的案例：" + "、".join(f"#{i}" for i in case_ids if i not in public), "case_ids")
    people = set(data.expected_ids) | set(data.attended_ids)
    active = set(db.session.scalars(select(User.id).where(User.id.in_(people), User.active.is_(True))))
    if people - active:
        raise CaseError("名单中有不存在或已停用的人员。", "expected_ids")
    if session is None:
        session = SharingSession(created_by_id=manager.id)
        db.session.add(session)
    session.month, session.title, session.held_on = data.month, data.title.strip(), data.held_on
    session.case_rows = [SharingSessionCase(case_id=case_id, position=i) for i, case_id in enumerate(case_ids)]
    _set_attendance(session, people, set(data.attended_ids), manager)
    db.session.flush()
    case_facts.record_session(session, manager)  # attendance facts commit with the session (issue 14)
    return session


def _set_attendance(session: SharingSession, people: set[int], attended: set[int], manager: User) -> None:
    rows = {row.user_id: row for row in session.attendance_rows}
    keep = []
    for user_id in sorted(people):
        row = rows.get(user_id) or SharingAttendance(user_id=user_id)
        if row.attended != (user_id in attended) or row.user_id not in rows:
            row.attended = user_id in attended
            row.recorded_by_id = manager.id
        keep.append(row)
    session.attendance_rows = keep


def sessions_statement():
    """A select() of sharing sessions, newest month first."""
    return select(SharingSession).order_by(SharingSession.month.desc())


def session_case_candidates(month: str, limit: int = 100) -> list[CaseSummary]:
    """Public cases first published in the month or the two before it, for picking."""
    start, end = month_range(month)
    year, number = start.year, start.month - 2
    if number < 1:
        year, number = year - 1, number + 12
    filters = CaseFilters()
    stmt = (
        _public_statement(filters, None, db.session)
        .where(CaseReview.first_published_at >= datetime(year, number, 1), CaseReview.first_published_at < end)
        .limit(limit)
    )
    return [_summary(row) for row in db.session.execute(stmt)]


def default_month(today: date) -> str:
    """The current month as "YYYY-MM"."""
    return f"{today.year:04d}-{today.month:02d}"
