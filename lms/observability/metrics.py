"""Prometheus metrics at /metrics, with prometheus_client.

Two kinds of figures:

- **counted as requests happen** (per process): requests and their latency per endpoint, autosave
  errors, requests refused because the database was unreachable, rate-limit storage fallbacks.
  Under gunicorn every worker is its own process, so these live in prometheus_client's
  multiprocess files (PROMETHEUS_MULTIPROC_DIR, set by lms.observability.gunicorn_conf) and a
  scrape answered by any worker adds up all of them. Without that variable (the dev server, tests)
  they are this process's own.
- **read at scrape time** from the database, so every node reports the same truth and nothing
  has to be kept in step: attempts in progress, the ledger's length, the scheduled jobs' runs and
  the last backup's age. Each is one index lookup or one small query.

Access: from METRICS_ALLOWED_NETWORKS, or with ``Authorization: Bearer <METRICS_TOKEN>``; 403 otherwise.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from flask import Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=False)
REQUESTS = Counter(
    "lms_http_requests",
    "HTTP requests answered, by endpoint, method and status",
    ("endpoint", "method", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "lms_http_request_duration_seconds",
    "Time from the request's first hook to its response, by endpoint",
    ("endpoint",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
AUTOSAVE_ERRORS = Counter(
    "lms_exam_autosave_errors", "Exam answer autosaves not answered 200, by status", ("status",), registry=REGISTRY
)
DATABASE_UNAVAILABLE = Counter(
    "lms_database_unavailable", "Requests answered 503 because the database could not be reached", registry=REGISTRY
)
RATELIMIT_FALLBACKS = Counter(
    "lms_ratelimit_storage_fallbacks",
    "Times sign-in throttling lost its shared storage (Redis) and fell back to per-process counters",
    registry=REGISTRY,
)
AUTOSAVE_ENDPOINT = "exams.autosave"


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one finished request and its latency (called by lms.observability.logs)."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)
    if endpoint == AUTOSAVE_ENDPOINT and status != 200:
        AUTOSAVE_ERRORS.labels(str(status)).inc()


def allowed_networks(configured) -> tuple:
    """METRICS_ALLOWED_NETWORKS (a list, or a comma-separated string) as ip_network objects.

    Raises RuntimeError naming the entry that is not a network, so a typo stops start-up instead of
    quietly refusing (or allowing) the wrong scrapers.
    """
    entries = configured.split(",") if isinstance(configured, str) else list(configured or ())
    networks = []
    for entry in (str(item).strip() for item in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise RuntimeError(
                f"METRICS_ALLOWED_NETWORKS 中的“{entry}”不是有效的网段（例如 10.0.0.0/8）：{error}"
            ) from None
    return tuple(networks)


def _has_token(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _from_allowed_network(networks: tuple, trusted_proxies: int) -> bool:
    # A proxy we were not told to trust forwarded this request: its own address (often 127.0.0.1) says
    # nothing about the client, so the address rule does not apply (the token still does).
    if trusted_proxies == 0 and "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def may_scrape(networks: tuple, token: str, trusted_proxies: int) -> bool:
    """Whether this request may read /metrics: the bearer token, or an address in `networks`."""
    return _has_token(token) or _from_allowed_network(networks, trusted_proxies)


class DatabaseCollector:
    """Gauges and counters read from the database when Prometheus scrapes (inside the scrape's request)."""

    def collect(self):
        from lms.extensions import db

        for source in (_attempt_gauges, _ledger_gauges, _job_metrics, _backup_gauges):
            try:
                yield from source()
            except Exception:  # one failing source must not hide the others (or the request counts)
                logger.exception("metrics: reading %s failed", source.__name__)
                db.session.rollback()


def _attempt_gauges():
    from lms import clock
    from lms.extensions import db
    from lms.models import AttemptStatus, ExamAttempt

    now = clock.now()
    in_progress = ExamAttempt.status == AttemptStatus.IN_PROGRESS.value
    live, overdue = db.session.execute(
        select(
            func.count().filter(ExamAttempt.deadline_at > now),
            func.count().filter(ExamAttempt.deadline_at <= now),
        ).where(in_progress)
    ).one()
    yield GaugeMetricFamily("lms_exam_attempts_in_progress", "Exam attempts in progress before their deadline", live)
    yield GaugeMetricFamily(
        "lms_exam_attempts_overdue",
        "Attempts still in progress past their deadline (closed by the next close-overdue job or view)",
        overdue,
    )


def _ledger_gauges():
    from lms.extensions import db
    from lms.models.record import RecordEntry

    # seq numbers the chain 1, 2, 3 … without gaps: its maximum is the length, read from the primary key.
    length = db.session.scalar(select(func.max(RecordEntry.seq))) or 0
    yield GaugeMetricFamily("lms_record_ledger_entries", "Entries in the development-incentive record", length)


def _operations(name: str):
    """lms.operations.<name>, or None while that module is not installed (it comes with the operations work)."""
    import importlib

    try:
        return importlib.import_module(f"lms.operations.{name}")
    except ImportError:
        return None


def _job_metrics():
    jobs = _operations("jobs")
    if jobs is None or not hasattr(jobs, "last_runs"):
        return
    runs = CounterMetricFamily(
        "lms_job_runs", "Scheduled job runs recorded, by job and outcome", labels=("job", "outcome")
    )
    duration = GaugeMetricFamily("lms_job_last_duration_seconds", "Duration of each job's last run", labels=("job",))
    started = GaugeMetricFamily(
        "lms_job_last_started_timestamp_seconds", "When each job last started (Unix time)", labels=("job",)
    )
    failing = GaugeMetricFamily(
        "lms_job_consecutive_failures", "Failed runs since each job's last success", labels=("job",)
    )
    for summary in jobs.last_runs():
        runs.add_metric((summary.name, "ok"), summary.runs - summary.failures)
        runs.add_metric((summary.name, "failed"), summary.failures)
        failing.add_metric((summary.name,), summary.consecutive_failures)
        if summary.last_duration_seconds is not None:
            duration.add_metric((summary.name,), summary.last_duration_seconds)
        if summary.last_started_at is not None:
            started.add_metric((summary.name,), _unix_seconds(summary.last_started_at))
    yield from (runs, duration, started, failing)


def _backup_gauges():
    backup = _operations("backup")
    if backup is None or not hasattr(backup, "latest_backup_age"):
        return
    age = backup.latest_backup_age()
    yield GaugeMetricFamily("lms_backup_present", "1 when a successful backup has been recorded", int(age is not None))
    if age is not None:
        yield GaugeMetricFamily("lms_backup_last_age_seconds", "Seconds since the last successful backup", age)


def _unix_seconds(moment) -> float:
    """A naive UTC datetime as Unix seconds."""
    from datetime import UTC, datetime

    return (moment.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()


def _registry_for_scrape() -> CollectorRegistry:
    """Every worker's counters (multiprocess mode) or this process's, plus the database collector."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCounters())
    registry.register(DatabaseCollector())
    return registry


class _ProcessCounters:
    """This process's request counters, for a scrape outside multiprocess mode."""

    def collect(self):
        return REGISTRY.collect()


def init_app(app: Flask) -> None:
    """Check the metrics settings and add GET /metrics (exempt from throttling, refused with 403 to others)."""
    from lms.errors import render_error
    from lms.extensions import limiter

    networks = allowed_networks(app.config["METRICS_ALLOWED_NETWORKS"])
    trusted_proxies = int(app.config["TRUSTED_PROXIES"])

    @limiter.exempt
    def metrics():
        """Prometheus text format; see the module docstring for what it holds and who may read it."""
        if not may_scrape(networks, current_app.config["METRICS_TOKEN"], trusted_proxies):
            return render_error(403, "只有监控地址或持有监控令牌的请求可以读取 /metrics。")
        return Response(generate_latest(_registry_for_scrape()), mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
