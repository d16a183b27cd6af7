"""Full-text search over published case reviews, the same on SQLite and PostgreSQL.

Chinese has no spaces, so the text is indexed as overlapping character
bigrams ("客户投诉" → 客户 户投 投诉) plus lower-cased Latin/number words.
A query term becomes "all of its tokens" (a cheap index lookup) and is then
checked as an exact substring of the case text, so a three-character term
never matches text that merely contains its bigrams apart. Results come
newest-published first, which is the same order on both databases.

* SQLite: a contentless FTS5 table `case_fts` (detail=none: only which rows
  hold a token, no copy of the text and no positions) keyed by case_search.id.
* PostgreSQL: `case_search.tsv`, a tsvector built from the token array (no
  text-search parser involved), under a GIN index.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import (
    ARRAY,
    DDL,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    column,
    delete,
    event,
    func,
    literal,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from lms.models.cases import CaseSearchEntry, CaseStatus, CaseVersion

MIN_CJK_TERM = 2
MAX_TERMS = 8
MAX_TERM_LENGTH = 40

# CJK ideographs (basic, extension A, compatibility). Everything else that is
# not an ASCII letter or digit separates tokens.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")

# One FTS5 row per case_search row; `tokens` is never stored (content='').
# The 'ascii' tokenizer splits on ASCII separators only, so each bigram we
# write between spaces stays one token.
FTS_CREATE_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_fts USING fts5("
    "tokens, content='', detail=none, columnsize=0, tokenize='ascii')"
)
FTS_DROP_SQL = "DROP TABLE IF EXISTS case_fts"

event.listen(CaseSearchEntry.__table__, "after_create", DDL(FTS_CREATE_SQL).execute_if(dialect="sqlite"))
event.listen(CaseSearchEntry.__table__, "before_drop", DDL(FTS_DROP_SQL).execute_if(dialect="sqlite"))


class SearchQueryError(ValueError):
    """The query cannot be searched (for instance a single Chinese character)."""


def tokens_of(value: str) -> list[str]:
    """Index tokens of one piece of text: CJK bigrams and Latin/number words, in order."""
    tokens: list[str] = []
    for run in _RUN.findall(value.lower()):
        if run[0].isascii():
            tokens.append(run)
        elif len(run) == 1:
            continue  # a lone character: queries need at least two
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def version_texts(version: CaseVersion) -> list[str]:
    """The searchable fields of a version; a match never spans two fields."""
    return [
        version.title,
        version.tags,
        version.info,
        version.analysis,
        version.discussion,
        version.methods,
        version.improvements,
    ]


def document_tokens(version: CaseVersion) -> list[str]:
    """The distinct tokens of a version, sorted (what the index stores)."""
    return texts_tokens(version_texts(version))


def texts_tokens(texts: list[str]) -> list[str]:
    """The distinct tokens of several fields, sorted."""
    distinct: set[str] = set()
    for value in texts:
        distinct.update(tokens_of(value or ""))
    return sorted(distinct)


@dataclass(frozen=True)
class ParsedQuery:
    """A query split into terms; each term must occur as a substring.

    Per term: its Chinese bigrams (`exact`) and its Latin/number words, which
    match as word prefixes ("crm" finds "CRM2"); the substring check does the rest.
    """

    terms: tuple[str, ...]
    term_exact: tuple[tuple[str, ...], ...]
    term_prefixes: tuple[tuple[str, ...], ...]

    @property
    def exact(self) -> tuple[str, ...]:
        return tuple(sorted({token for tokens in self.term_exact for token in tokens}))

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(sorted({token for tokens in self.term_prefixes for token in tokens}))


def parse_query(raw: str) -> ParsedQuery | None:
    """Split a query into terms. None for an empty query; SearchQueryError if unsearchable."""
    terms = list(dict.fromkeys(term for term in (raw or "").lower().split() if term))
    if not terms:
        return None
    if len(terms) > MAX_TERMS or any(len(term) > MAX_TERM_LENGTH for term in terms):
        raise SearchQueryError(f"关键词过多或过长：最多 {MAX_TERMS} 个词，每个不超过 {MAX_TERM_LENGTH} 个字符。")
    term_exact, term_prefixes = [], []
    for term in terms:
        runs = _RUN.findall(term)
        if not any(len(run) >= MIN_CJK_TERM or run.isascii() for run in runs):
            raise SearchQueryError(f"“{term}”太短：中文关键词至少需要 {MIN_CJK_TERM} 个汉字。")
        term_prefixes.append(tuple(sorted({run for run in runs if run.isascii()})))
        term_exact.append(tuple(sorted({token for run in runs if not run.isascii() for token in tokens_of(run)})))
    return ParsedQuery(tuple(terms), tuple(term_exact), tuple(term_prefixes))


# --- index maintenance (called by the service; flushes, never commits) ---


def index_version(session: Session, case_id: int, version: CaseVersion) -> CaseSearchEntry:
    """(Re)index a case with the given published version; it becomes the newest entry."""
    unindex_case(session, case_id)
    tokens = document_tokens(version)
    entry = CaseSearchEntry(case_id=case_id, version_id=version.id)
    if session.get_bind().dialect.name == "postgresql":
        entry.tsv = func.array_to_tsvector(literal(tokens, ARRAY(Text)))
    session.add(entry)
    session.flush()
    if _is_sqlite(session):
        session.execute(
            text("INSERT INTO case_fts(rowid, tokens) VALUES (:id, :tokens)"),
            {"id": entry.id, "tokens": " ".join(tokens)},
        )
    return entry


def unindex_case(session: Session, case_id: int) -> None:
    """Remove a case from the index (archived, or about to be re-indexed)."""
    entry = session.scalars(select(CaseSearchEntry).where(CaseSearchEntry.case_id == case_id)).first()
    if entry is None:
        return
    if _is_sqlite(session):
        # A contentless table forgets a row only when given the tokens it was
        # indexed with; the indexed version never changes, so we recompute them.
        session.execute(
            text("INSERT INTO case_fts(case_fts, rowid, tokens) VALUES ('delete', :id, :tokens)"),
            {"id": entry.id, "tokens": " ".join(document_tokens(entry.version))},
        )
    session.delete(entry)
    session.flush()


def rebuild_index(session: Session) -> int:
    """Rebuild the whole index from the published versions; returns how many cases."""
    from lms.models.cases import CaseReview

    if _is_sqlite(session):
        session.execute(text(FTS_CREATE_SQL))
        session.execute(text("INSERT INTO case_fts(case_fts) VALUES ('delete-all')"))
    session.execute(delete(CaseSearchEntry))
    rows = session.execute(
        select(CaseReview.id, CaseVersion)
        .join(
            CaseVersion, and_(CaseVersion.case_id == CaseReview.id, CaseVersion.number == CaseReview.published_number)
        )
        .where(CaseReview.status != CaseStatus.ARCHIVED)
        .order_by(CaseReview.published_at, CaseReview.id)
    ).all()
    for case_id, version in rows:
        index_version(session, case_id, version)
    if _is_sqlite(session):
        session.execute(text("INSERT INTO case_fts(case_fts) VALUES ('optimize')"))
    return len(rows)


# --- querying ---


_FTS = table("case_fts", column("rowid", Integer), column("case_fts"))


def apply_query(stmt: Select, session: Session, query: ParsedQuery) -> Select:
    """Restrict a select() over CaseSearchEntry (joined to CaseVersion) to the query's matches.

    The order stays "newest entry first". On SQLite the FTS5 table drives the
    query in rowid order, so a LIMIT stops as soon as enough rows matched.
    """
    if _is_sqlite(session):
        phrases = [f'"{token}"' for token in query.exact] + [f'"{token}"*' for token in query.prefixes]
        stmt = (
            stmt.join(_FTS, _FTS.c.rowid == CaseSearchEntry.id)
            .where(_FTS.c.case_fts.op("MATCH")(" AND ".join(phrases)))
            .order_by(None)
            .order_by(_FTS.c.rowid.desc())
        )
    else:
        # PostgreSQL multiplies the frequencies of ANDed lexemes, and the bigrams of
        # one word always come together, so with all of them it thinks a common
        # word is rare and sorts thousands of rows. Per term, its rarest bigram is
        # an honest estimate (and the substring check implies the others);
        # Latin prefixes always go to the index, as on SQLite.
        frequencies = _pg_token_frequencies(session)
        parts = [f"'{token}':*" for token in query.prefixes]
        for tokens in query.term_exact:
            if tokens:
                parts.append(f"'{min(tokens, key=lambda token: (frequencies.get(token, 0.0), token))}'")
        # Rendered into the SQL text, not bound: a prepared (generic) plan cannot
        # see how rare the tokens are. Tokens hold only [a-z0-9] and CJK characters.
        tsquery = bindparam("tsquery", " & ".join(dict.fromkeys(parts)), literal_execute=True)
        stmt = stmt.where(CaseSearchEntry.tsv.op("@@")(cast(tsquery, TSQUERY)))
    return stmt.where(*_substring_checks(query))


def prepare_session(session: Session) -> None:
    """Before a search on PostgreSQL: settings for this transaction only.

    psycopg prepares a statement after a few runs, and PostgreSQL may then
    switch to a generic plan that ignores how rare the searched tokens are.
    And a top-20 query that stops early must not pay for parallel workers,
    which the planner picks when it cannot estimate the substring checks.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


_PG_STATS: dict[str, tuple[float, dict[str, float]]] = {}
PG_STATS_SECONDS = 600


def _pg_token_frequencies(session: Session) -> dict[str, float]:
    """Lexeme frequencies of case_search.tsv from pg_stats (ANALYZE), cached for a while."""
    key = str(session.get_bind().url)
    cached = _PG_STATS.get(key)
    if cached and time.monotonic() - cached[0] < PG_STATS_SECONDS:
        return cached[1]
    row = session.execute(
        text(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = 'case_search' AND attname = 'tsv'"
        )
    ).first()
    frequencies = dict(zip(row[0], row[1])) if row and row[0] else {}
    _PG_STATS[key] = (time.monotonic(), frequencies)
    return frequencies


def _substring_checks(query: ParsedQuery) -> list:
    """Each term must occur as written in one field. A term that is exactly one
    Chinese bigram needs no check: holding the token means holding the text."""
    checks = []
    for term in query.terms:
        if len(term) == 2 and _CJK_CHAR.match(term[0]) and _CJK_CHAR.match(term[1]):
            continue
        checks.append(or_(*(column.icontains(term, autoescape=True) for column in _text_columns())))
    return checks


def _text_columns():
    return [
        CaseVersion.title,
        CaseVersion.tags,
        CaseVersion.info,
        CaseVersion.analysis,
        CaseVersion.discussion,
        CaseVersion.methods,
        CaseVersion.improvements,
    ]


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


# --- highlighting ---


def highlight(value: str, terms: tuple[str, ...] | list[str]) -> Markup:
    """Escape `value`, then wrap every occurrence of a term in <mark> (case-insensitive)."""
    if not terms or not value:
        return escape(value or "")
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(value):
        out.append(str(escape(value[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(value[last:])))
    return Markup("".join(out))


_MARKDOWN_NOISE = re.compile(r"[#*_`>|~\[\]]+|\(https?://[^)]*\)")


def snippet(version: CaseVersion, terms: tuple[str, ...] | list[str], width: int = 90) -> Markup:
    """A short, highlighted excerpt around the first match in the body (plain text)."""
    bodies = [_MARKDOWN_NOISE.sub(" ", value or "") for value in version_texts(version)[2:]]
    bodies = [re.sub(r"\s+", " ", body).strip() for body in bodies if body.strip()]
    if not bodies:
        return Markup("")
    lowered_terms = [term.lower() for term in terms]
    for body in bodies:
        lowered = body.lower()
        hits = [lowered.find(term) for term in lowered_terms if term in lowered]
        if hits:
            start = max(0, min(hits) - width // 3)
            return _clip(body, start, width, terms)
    return _clip(bodies[0], 0, width, terms)


def _clip(body: str, start: int, width: int, terms) -> Markup:
    piece = body[start : start + width]
    marked = highlight(piece, list(terms))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(body) else ""
    return Markup(prefix) + marked + Markup(suffix)
