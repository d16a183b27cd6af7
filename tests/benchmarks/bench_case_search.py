"""Case search at scale: p95 of a top-20 search against a primary-key query, and the index size.

    .venv/bin/python tests/benchmarks/bench_case_search.py [--cases 100000] [--rounds 30]
    .venv/bin/python tests/benchmarks/bench_case_search.py --database-url postgresql+psycopg://postgres@127.0.0.1/cases_bench

Builds a throwaway database (a temporary SQLite file unless --database-url is
given; that database is emptied first) holding N published case reviews of
200–800 Chinese characters, generated deterministically from a vocabulary
with a Zipf-like word frequency (1/(rank+8) over ~3,150 words) that includes 回款 and 投诉. The search index is
filled with the same tokenizer the app uses, then, in the same run and
interleaved, it times
  * a primary-key query: `session.get(CaseReview, id)` on an empty identity map;
  * `lms.cases.service.search_ids(term, 20)`: the query behind the search page,
for two-character terms and terms of three or more characters, and prints
p50/p95 and the ratio p95(search) / p95(primary key) of each group
(target ≤ 10). On SQLite it also prints the size of the search index (FTS5
shadow tables + case_search and its indexes, from dbstat) against the size of
the text (UTF-8 bytes of titles, tags and parts) (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ARRAY, Text, bindparam, func, insert, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lms import create_app  # noqa: E402
from lms.cases import search, service  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.models import User  # noqa: E402
from lms.models.cases import (  # noqa: E402
    CaseReview,
    CaseSearchEntry,
    CaseVersion,
    CaseVersionClause,
    CaseVersionDimension,
)

SALES_WORDS = [
    "客户",
    "回款",
    "投诉",
    "合同",
    "报价",
    "拜访",
    "需求",
    "方案",
    "竞品",
    "预算",
    "采购",
    "决策",
    "关系",
    "渠道",
    "折扣",
    "续约",
    "交付",
    "验收",
    "付款",
    "账期",
    "发票",
    "商机",
    "线索",
    "跟进",
    "演示",
    "试用",
    "谈判",
    "异议",
    "价格",
    "满意度",
    "服务",
    "售后",
    "响应",
    "升级",
    "流程",
    "审批",
    "财务",
    "法务",
    "技术",
    "经理",
    "总监",
    "负责人",
    "团队",
    "目标",
    "业绩",
    "指标",
    "季度",
    "月度",
    "计划",
    "复盘",
    "总结",
    "经验",
    "教训",
    "问题",
    "原因",
    "改进",
    "方法",
    "机会",
    "风险",
    "信任",
    "沟通",
    "倾听",
    "反馈",
    "电话",
    "邮件",
    "会议",
    "现场",
    "培训",
    "产品",
    "功能",
    "优势",
    "案例",
    "行业",
    "市场",
    "数据",
    "分析",
    "预测",
    "客户投诉",
    "决策影响者",
    "竞品分析",
    "销售流程",
    "回款周期",
    "客户满意度",
    "关键节点",
    "转折点",
    "影响者",
    "高潜力",
    "观望",
    "稳定",
    "大客户",
    "中小企业",
    "制造业",
    "零售",
    "医疗",
    "教育",
    "金融",
    "物流",
    "政府",
    "招标",
    "投标",
    "中标",
    "丢单",
    "赢单",
    "签约",
    "延期",
    "加急",
    "紧急",
    "协调",
    "资源",
    "支持",
]

CHAR_POOL = (
    "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去"
    "能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又"
    "行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感见明问力理尔"
    "点文几定本公特做外孩相西果走将月十实向声车全信重三机工物气每并别真打太新比才便夫再书部水像眼等体却"
)

TWO_CHAR_TERMS = ["回款", "投诉", "合同", "报价", "续约", "账期"]
LONG_TERMS = ["客户投诉", "回款周期", "决策影响者", "竞品分析", "客户满意度", "销售流程优化"]


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Real sales words interleaved among 3,000 pseudo-words, with Zipf-like weights."""
    pseudo = ["".join(rng.choice(CHAR_POOL) for _ in range(rng.choice((1, 2, 2, 3, 4)))) for _ in range(3000)]
    words: list[str] = []
    real = list(SALES_WORDS)
    for i, word in enumerate(pseudo):
        if i % 4 == 3 and real:
            words.append(real.pop(0))  # a real word every 4th rank: mid-to-high frequency
        words.append(word)
    words.extend(real)
    weights = list(itertools.accumulate(1.0 / (rank + 8) for rank in range(len(words))))
    return words, weights  # cumulative, which random.choices takes in O(log n)


def paragraph(rng: random.Random, words, weights, length: int) -> str:
    """About `length` characters of sentences joined with Chinese punctuation."""
    out: list[str] = []
    size = 0
    while size < length:
        sentence = "".join(rng.choices(words, cum_weights=weights, k=rng.randint(4, 12)))
        out.append(sentence + rng.choice("，。；。"))
        size += len(sentence) + 1
    return "".join(out)[:length]


def generate(count: int, seed: int = 7):
    """Yield (title, tags, parts) of `count` synthetic cases, the same every run."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    for _ in range(count):
        total = rng.randint(200, 800)
        cuts = sorted(rng.sample(range(20, total - 20), 4))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
        parts = [paragraph(rng, words, weights, size) for size in sizes]
        title = paragraph(rng, words, weights, rng.randint(8, 20)).rstrip("，。；")
        tags = ",".join(rng.sample(words[:200], 2))
        yield title, tags, parts


def load(count: int, dialect: str) -> int:
    """Insert `count` published cases and their index rows; returns the text size in bytes."""
    session = db.session
    author = User(employee_no="B0001", name="基准作者", email="bench@example.com", active=True)
    session.add(author)
    session.flush()
    start = datetime(2020, 1, 1)
    text_bytes = 0
    batch: dict[str, list] = {"case": [], "version": [], "dim": [], "clause": [], "entry": [], "fts": []}
    dimensions = ["communication", "product", "process", "influencers", "data"]
    clauses = ["2.1", "3.2", "4.3", "5.3", "5.4"]
    for i, (title, tags, parts) in enumerate(generate(count), start=1):
        when = start + timedelta(minutes=30 * i)
        fields = [title, tags, *parts]
        text_bytes += sum(len(value.encode()) for value in fields)
        tokens = search.texts_tokens(fields)
        batch["case"].append(
            dict(
                id=i,
                author_id=author.id,
                status="published",
                published_number=1,
                first_published_at=when,
                published_at=when,
                created_at=when,
                updated_at=when,
            )
        )
        batch["version"].append(
            dict(
                id=i,
                case_id=i,
                number=1,
                title=title,
                outcome=("success", "failure")[i % 2],
                segment=("high_potential", "stable", "wait_and_see")[i % 3],
                tags=tags,
                info=parts[0],
                analysis=parts[1],
                discussion=parts[2],
                methods=parts[3],
                improvements=parts[4],
                created_by_id=author.id,
                created_at=when,
                updated_at=when,
                published_at=when,
            )
        )
        batch["dim"].append(dict(version_id=i, code=dimensions[i % 5], position=0))
        batch["clause"].append(dict(version_id=i, clause_id=clauses[i % 5], position=0))
        batch["entry"].append(dict(id=i, case_id=i, version_id=i, tokens=tokens))
        if i % 2000 == 0 or i == count:
            _flush(batch, dialect)
            print(f"\r  loaded {i:,} / {count:,}", end="", flush=True)
    print()
    if dialect == "sqlite":
        session.execute(text("INSERT INTO case_fts(case_fts) VALUES ('optimize')"))
    session.commit()
    return text_bytes


def _flush(batch: dict[str, list], dialect: str) -> None:
    session = db.session
    session.execute(insert(CaseReview), batch["case"])
    session.execute(insert(CaseVersion), batch["version"])
    session.execute(insert(CaseVersionDimension), batch["dim"])
    session.execute(insert(CaseVersionClause), batch["clause"])
    entries = [{k: v for k, v in row.items() if k != "tokens"} for row in batch["entry"]]
    if dialect == "postgresql":
        stmt = insert(CaseSearchEntry).values(tsv=func.array_to_tsvector(bindparam("tokens", type_=ARRAY(Text))))
        session.execute(stmt, [{**entry, "tokens": row["tokens"]} for entry, row in zip(entries, batch["entry"])])
    else:
        session.execute(insert(CaseSearchEntry), entries)
        session.execute(
            text("INSERT INTO case_fts(rowid, tokens) VALUES (:id, :tokens)"),
            [{"id": row["id"], "tokens": " ".join(row["tokens"])} for row in batch["entry"]],
        )
    for rows in batch.values():
        rows.clear()


def _loaded() -> int:
    try:
        return db.session.scalar(text("SELECT count(*) FROM case_search")) or 0
    except Exception:  # no schema yet
        db.session.rollback()
        return 0


def text_size(dialect: str) -> int:
    """UTF-8 bytes of every indexed field of the indexed versions."""
    length = "length(CAST({} AS BLOB))" if dialect == "sqlite" else "octet_length({})"
    columns = ["title", "tags", "info", "analysis", "discussion", "methods", "improvements"]
    expression = " + ".join(length.format(name) for name in columns)
    return int(db.session.scalar(text(f"SELECT SUM({expression}) FROM case_version")))


def sizes_sqlite() -> tuple[int, int]:
    """(FTS5 shadow tables, case_search table and indexes) in bytes, from dbstat."""
    rows = db.session.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
    fts = sum(size for name, size in rows if name.startswith("case_fts"))
    entry = sum(
        size
        for name, size in rows
        if name == "case_search" or name.startswith(("ix_case_search", "sqlite_autoindex_case_search"))
    )
    return fts, entry


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(count: int, rounds: int) -> dict[str, list[float]]:
    """Interleave primary-key queries and searches; times in milliseconds."""
    rng = random.Random(11)
    session = db.session
    results: dict[str, list[float]] = {"pk": [], "2": [], "3+": []}
    hits: dict[str, int] = {}
    for _warm in range(3):
        for term in TWO_CHAR_TERMS + LONG_TERMS:
            hits[term] = len(service.search_ids(term, 20))
        session.get(CaseReview, rng.randint(1, count))
    for _ in range(rounds):
        for term in TWO_CHAR_TERMS + LONG_TERMS:
            for _ in range(2):
                session.expunge_all()
                case_id = rng.randint(1, count)
                results["pk"].append(timed(lambda case_id=case_id: session.get(CaseReview, case_id)))
            session.expunge_all()
            group = "2" if len(term) == 2 else "3+"
            results[group].append(timed(lambda term=term: service.search_ids(term, 20)))
    print("  top-20 hits per term:", ", ".join(f"{term} {n}" for term, n in hits.items()))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="published cases (default 100000)")
    parser.add_argument("--rounds", type=int, default=30, help="rounds over all terms (default 30)")
    parser.add_argument("--database-url", default="", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: keep the cases already loaded there by an earlier run",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lms-bench-cases-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'cases.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
        with app.app_context():
            dialect = db.engine.dialect.name
            if args.reuse and args.database_url and _loaded() == args.cases:
                print(f"{dialect}: reusing {args.cases:,} published cases")
                started = time.perf_counter()
                text_bytes = text_size(dialect)
            else:
                db.drop_all()
                db.create_all()
                print(f"{dialect}: generating and indexing {args.cases:,} published cases …")
                started = time.perf_counter()
                text_bytes = load(args.cases, dialect)
            if dialect == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            print(f"  loaded in {time.perf_counter() - started:.0f} s")
            results = measure(args.cases, args.rounds)
            pk95 = p(results["pk"], 95)
            print(
                f"primary key   p50 {p(results['pk'], 50):7.3f} ms  p95 {pk95:7.3f} ms  ({len(results['pk'])} queries)"
            )
            for group, label in (("2", "2-char terms"), ("3+", "3+-char terms")):
                values = results[group]
                print(
                    f"{label:13} p50 {p(values, 50):7.3f} ms  p95 {p(values, 95):7.3f} ms  ({len(values)} searches)"
                    f"  ratio p95/pk-p95: {p(values, 95) / pk95:5.2f}  (target ≤ 10)"
                )
            if dialect == "sqlite":
                fts, entry = sizes_sqlite()
                print(
                    f"text {text_bytes / 2**20:8.1f} MiB   FTS5 index {fts / 2**20:8.1f} MiB   "
                    f"case_search {entry / 2**20:6.1f} MiB"
                )
                print(
                    f"ratio index/text: {(fts + entry) / text_bytes:.2f} "
                    f"(FTS5 alone {fts / text_bytes:.2f}; target ≤ 1.5)"
                )
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
