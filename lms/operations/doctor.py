"""`lms doctor` (issue 15, 4): check what running the platform for real depends on, and say what is wrong in Chinese.

Each check returns Findings; a check that cannot even run (an exception)
becomes a failed Finding itself, so one broken thing never hides the rest.
"""

from __future__ import annotations

import importlib.util
import shutil
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, text

from lms import clock
from lms.database import begin_read_only
from lms.extensions import db

DEV_SECRET_KEY = "dev-only-not-secret"
# A job whose due time passed this long ago without a run means cron is not calling `lms jobs run-due`.
JOB_LATE_AFTER = timedelta(hours=1)
NETWORK_TIMEOUT = 5


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: which area, whether it is fine, and what was found."""

    area: str
    ok: bool
    message: str


def run_checks(quick: bool = False) -> list[Finding]:
    """Run every check in order; `quick` checks the ledger's head against its last checkpoint instead of every entry."""
    checks: list[Callable[[], Iterable[Finding]]] = [
        check_configuration,
        check_database,
        check_redis,
        check_smtp,
        check_disk,
        check_backups,
        check_jobs,
        (lambda: check_ledger(quick)),
        check_signing_key,
        check_certificate_fonts,
    ]
    findings: list[Finding] = []
    for check in checks:
        # Only reads: on SQLite a deferred BEGIN, so the doctor never queues behind (or blocks) the app's writers.
        db.session.rollback()
        begin_read_only(db.session())
        try:
            findings.extend(check())
        except Exception as error:  # a check that fails to run is itself a finding
            findings.append(Finding(_area_of(check), False, f"检查时出错：{error}"))
    db.session.rollback()
    return findings


def _area_of(check) -> str:
    return (check.__doc__ or "检查").split("：", 1)[0]


def check_configuration() -> Iterable[Finding]:
    """配置：the secret key is set and is not the development one."""
    key = current_app.config.get("SECRET_KEY")
    if not key or key == DEV_SECRET_KEY:
        yield Finding(
            "配置", False, "未设置密钥（SECRET_KEY），正在使用开发用的固定密钥：请运行 lms setup 或设置 LMS_SECRET_KEY"
        )
    elif len(str(key)) < 32:
        yield Finding("配置", False, f"密钥太短（{len(str(key))} 个字符）：请换成至少 32 个字符的随机密钥")
    else:
        yield Finding("配置", True, "已设置密钥")


def check_database() -> Iterable[Finding]:
    """数据库：reachable, and migrated to the newest revision."""
    from lms.operations.backup import database_revision, head_revision

    try:
        connection = db.session.connection()
        connection.execute(text("SELECT 1"))
        revision = database_revision(connection)
    except Exception as error:
        yield Finding("数据库", False, f"无法连接数据库 {db.engine.url.render_as_string()}：{error}")
        return
    head = head_revision()
    if revision != head:
        yield Finding("数据库", False, f"数据库版本是 {revision or '（未迁移）'}，最新是 {head}：请运行 lms db upgrade")
    else:
        yield Finding("数据库", True, f"可以连接（{db.engine.dialect.name}），版本 {revision} 是最新的")


def _redis_urls() -> list[tuple[str, str]]:
    config = current_app.config
    urls = [("RATELIMIT_STORAGE_URI", config.get("RATELIMIT_STORAGE_URI") or "")]
    urls += [(key, value) for key, value in config.items() if key.endswith("REDIS_URL") and isinstance(value, str)]
    return [(key, url) for key, url in urls if url.startswith(("redis://", "rediss://", "unix://"))]


def check_redis() -> Iterable[Finding]:
    """Redis：every configured Redis answers PING."""
    urls = _redis_urls()
    if not urls:
        yield Finding("Redis", True, "未配置（登录限流只在本进程内计数，多个 worker 或节点时请配置 Redis）")
        return
    import redis

    for key, url in dict(urls).items():
        try:
            redis.Redis.from_url(url, socket_timeout=NETWORK_TIMEOUT, socket_connect_timeout=NETWORK_TIMEOUT).ping()
        except Exception as error:
            yield Finding("Redis", False, f"{key} 指向的 Redis 连不上：{error}")
        else:
            yield Finding("Redis", True, f"{key} 可以连接")


def check_smtp() -> Iterable[Finding]:
    """邮件：the SMTP server accepts a connection (and the login, when one is configured)."""
    config = current_app.config
    server = config.get("MAIL_SERVER")
    if not server:
        yield Finding("邮件", True, "未配置 SMTP（LMS_MAIL_SERVER）：提醒邮件不会发送")
        return
    port = int(config.get("MAIL_PORT") or 25)
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    try:
        with smtp_class(server, port, timeout=NETWORK_TIMEOUT) as smtp:
            smtp.ehlo()
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except (OSError, smtplib.SMTPException) as error:
        yield Finding("邮件", False, f"连不上 SMTP 服务器 {server}:{port}：{error}")
    else:
        yield Finding("邮件", True, f"SMTP 服务器 {server}:{port} 可以连接")


def check_disk() -> Iterable[Finding]:
    """磁盘：enough free space where the instance folder and the backups live."""
    from lms.operations.backup import backup_dir

    minimum = int(current_app.config.get("DOCTOR_MIN_FREE_MB") or 0) * 1024 * 1024
    seen = set()
    for label, folder in (("实例目录", Path(current_app.instance_path)), ("备份目录", backup_dir())):
        existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
        usage = shutil.disk_usage(existing)
        if usage.free < minimum:
            yield Finding(
                "磁盘",
                False,
                f"{label} {folder} 所在磁盘只剩 {usage.free // 2**20} MB（要求至少 {minimum // 2**20} MB）",
            )
        elif existing.stat().st_dev not in seen:
            yield Finding("磁盘", True, f"{label} {folder} 所在磁盘剩余 {usage.free // 2**30} GB")
        seen.add(existing.stat().st_dev)


def check_backups() -> Iterable[Finding]:
    """备份：the last finished backup is recent enough (BACKUP_MAX_AGE_HOURS)."""
    from lms.operations.backup import latest_backup

    last = latest_backup()
    limit = float(current_app.config.get("BACKUP_MAX_AGE_HOURS") or 26)
    if last is None:
        yield Finding("备份", False, "还没有任何备份：请运行 lms backup create，并用 cron 定时运行 lms jobs run-due")
        return
    hours = (clock.now() - last.created_at).total_seconds() / 3600
    if hours > limit:
        yield Finding("备份", False, f"最近一次备份是 {hours:.0f} 小时前（{last.file_name}），超过了 {limit:g} 小时")
    else:
        yield Finding("备份", True, f"最近一次备份是 {hours:.1f} 小时前（{last.file_name}）")


def check_jobs() -> Iterable[Finding]:
    """定时任务：cron runs them, and none keeps failing."""
    from lms.operations import jobs

    summaries = jobs.last_runs()
    if all(summary.last_started_at is None for summary in summaries):
        yield Finding(
            "定时任务", False, "定时任务从未运行：请按 README 配置 cron 或 systemd timer 调用 lms jobs run-due"
        )
        return
    now, wrong = clock.now(), 0
    enabled = {job.name for job in jobs.registered() if jobs.schedule_of(job) is not None}
    for summary in summaries:
        if summary.name not in enabled:
            continue
        if summary.consecutive_failures:
            wrong += 1
            yield Finding(
                "定时任务", False, f"{summary.label}（{summary.name}）连续失败 {summary.consecutive_failures} 次"
            )
        elif summary.next_due_at and now - summary.next_due_at > JOB_LATE_AFTER:
            wrong += 1
            late = int((now - summary.next_due_at).total_seconds() // 60)
            yield Finding(
                "定时任务", False, f"{summary.label}（{summary.name}）已到期 {late} 分钟仍未运行：cron 还在调用吗？"
            )
    if not wrong:
        yield Finding("定时任务", True, f"{len(enabled)} 个任务按时运行")


def check_ledger(quick: bool) -> Iterable[Finding]:
    """档案：the ledger's hash chain verifies (quick: its last checkpoint's entry still has the signed hash)."""
    from lms.models import RecordCheckpoint, RecordEntry
    from lms.record import service

    if not quick:
        report = service.verify_chain()
        if report.ok:
            yield Finding("档案", True, f"档案链完整：{report.count} 条")
        else:
            yield Finding("档案", False, f"档案链损坏（此前 {report.count} 条完好）：{report.broken}")
        return
    checkpoint = db.session.scalars(select(RecordCheckpoint).order_by(RecordCheckpoint.id.desc()).limit(1)).first()
    if checkpoint is None:
        yield Finding("档案", True, "还没有检查点，未逐条校验（去掉 --quick 即逐条校验）")
        return
    stored = db.session.scalar(select(RecordEntry.hash).where(RecordEntry.seq == checkpoint.entry_count))
    if checkpoint.entry_count and stored != checkpoint.head_hash:
        yield Finding("档案", False, f"第 {checkpoint.entry_count} 条的哈希与 {checkpoint.at} 的检查点不符")
    else:
        yield Finding("档案", True, f"链头与最近的检查点（第 {checkpoint.entry_count} 条）一致")


def check_signing_key() -> Iterable[Finding]:
    """签名密钥：the certificate signing key exists and loads (once certificates exist)."""
    if (
        importlib.util.find_spec("lms.certificates") is None
        or importlib.util.find_spec("lms.certificates.keys") is None
    ):
        return
    from lms.certificates import keys

    path = keys.key_path(current_app.config, current_app.instance_path)
    try:
        keys.load_key_file(path)
    except keys.SigningKeyError as error:
        yield Finding("签名密钥", False, str(error))
        return
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        yield Finding("签名密钥", False, f"{path} 的权限是 {mode:o}，别人也能读：请 chmod 600")
    else:
        yield Finding("签名密钥", True, f"证书签名密钥 {path} 可用")


def check_certificate_fonts() -> Iterable[Finding]:
    """字体：the Chinese font the certificate PDF is set in, and CERTIFICATE_FALLBACK_FONT when configured."""
    if importlib.util.find_spec("lms.certificates") is None or importlib.util.find_spec("lms.certificates.pdf") is None:
        return
    from lms.certificates import pdf

    fonts = [("证书字体", Path(pdf.FONT_FILE))]
    fallback = current_app.config.get("CERTIFICATE_FALLBACK_FONT")
    if fallback:
        fonts.append(("备用字体（CERTIFICATE_FALLBACK_FONT）", Path(fallback)))
    for label, path in fonts:
        if not path.is_file():
            yield Finding("字体", False, f"{label} {path} 不存在：证书 PDF 无法生成中文")
        elif path.stat().st_size == 0:
            yield Finding("字体", False, f"{label} {path} 是空文件")
        else:
            yield Finding("字体", True, f"{label} {path.name} 可用")
