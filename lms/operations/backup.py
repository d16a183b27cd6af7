"""Backups that restore (issue 15, 1): create while the app serves, restore into an empty database, verify.

A backup is one tar file, ``lms-backup-<UTC time>.tar``, holding the
database and, as its last member, ``manifest.json``: the time, the schema
revision, the row count of every table, the ledger's head (count and hash)
and the size and SHA-256 of the database member. A truncated file loses the
manifest or fails the hash, so it can never pass for a whole backup.

- SQLite: the online backup API copies the database in one step, a
  consistent snapshot taken while the app keeps writing (WAL readers never
  block writers); the counts are read from that copy.
- PostgreSQL: one REPEATABLE READ transaction exports its snapshot, counts
  the rows, and `pg_dump --format=custom --snapshot=…` dumps that same
  snapshot, so the manifest describes exactly what the dump holds.

Everything is written under a ``.partial`` name, fsynced, then renamed, so a
full disk or a crash never leaves a file that looks like a backup. The
instance secrets (instance/config.py with the secret key, signing keys) go
to a separate ``….secrets.tar`` with mode 0600, never into the database dump.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from lms import clock
from lms.domain import DomainError
from lms.extensions import db
from lms.models import BackupRecord
from lms.record import hashing

FORMAT = "lms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
NAME_PATTERN = re.compile(r"^lms-backup-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar$")
PARTIAL_SUFFIX = ".partial"
# Files of the instance folder that hold secrets (the secret key lives in config.py, written by `lms setup`).
SECRET_FILE_PATTERNS = ("config.py", "*.pem", "*.key", "*secret*")
COPY_CHUNK = 1024 * 1024


class BackupError(DomainError):
    """A backup that cannot be made, read, restored or verified; the message says why, in Chinese."""


@dataclass(frozen=True)
class CreatedBackup:
    """What `create_backup` wrote: the backup, the separate secrets file (None if there were none), the manifest."""

    path: Path
    secrets_path: Path | None
    manifest: dict


@dataclass
class VerifyReport:
    """The checks `verify_backup` ran: one line per check passed, and the problems found (empty: it verifies)."""

    passed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- where backups live ---------------------------------------------------------------------------------------------


def backup_dir() -> Path:
    """The configured backup folder (BACKUP_DIR), by default instance/backups."""
    configured = current_app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def node_name() -> str:
    """This machine's name, recorded with every backup and job run."""
    return socket.gethostname()[:64] + f":{os.getpid()}"


def backups_in(folder: Path) -> list[Path]:
    """The finished backups in `folder`, oldest first (partial files and secrets files are not backups)."""
    if not folder.is_dir():
        return []
    named = [(NAME_PATTERN.match(path.name), path) for path in folder.iterdir()]
    # By time, then by the number a second backup within the same second gets (-2, -3 …).
    return [path for _stamp, _number, path in sorted((m.group(1), int(m.group(2) or 1), p) for m, p in named if m)]


def secrets_path_for(backup: Path) -> Path:
    """The secrets file that belongs to `backup`."""
    return backup.with_name(backup.name[: -len(".tar")] + ".secrets.tar")


def latest_backup() -> BackupRecord | None:
    """The last finished backup recorded in the database (every node sees it), or None."""
    return db.session.scalars(
        select(BackupRecord).order_by(BackupRecord.created_at.desc(), BackupRecord.id.desc()).limit(1)
    ).first()


def latest_backup_age() -> float | None:
    """Seconds since the last finished backup's snapshot, or None when there never was one (for /metrics, doctor)."""
    last = db.session.scalar(select(func.max(BackupRecord.created_at)))
    return None if last is None else max(0.0, (clock.now() - last).total_seconds())


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `folder` (with their secrets files); returns what was deleted.

    Partial files left by a crash more than a day ago go too.
    """
    removed = []
    finished = backups_in(folder)
    for old in finished[: max(0, len(finished) - max(1, keep))]:
        for path in (old, secrets_path_for(old)):
            if path.exists():
                path.unlink()
                removed.append(path)
    day_ago = clock.now().timestamp() - 86400
    for path in folder.glob(f".*{PARTIAL_SUFFIX}") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < day_ago:
                path.unlink()
                removed.append(path)
    return removed


# --- schema revision and census -------------------------------------------------------------------------------------


def head_revision() -> str:
    """The newest migration this code knows (what `lms db upgrade` brings a database to)."""
    return ScriptDirectory(str(Path(__file__).resolve().parent.parent / "migrations")).get_current_head()


def database_revision(connection: Connection) -> str | None:
    """The revision recorded in the database's alembic_version table, None if it was never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def census(connection: Connection) -> dict:
    """Row count of every table and the ledger head, as the connection's transaction sees them."""
    preparer = connection.dialect.identifier_preparer
    counts = {
        name: connection.execute(text(f"SELECT count(*) FROM {preparer.quote(name)}")).scalar_one()
        for name in _table_names(connection)
    }
    ledger = {"count": 0, "head_hash": hashing.GENESIS}
    if "record_entry" in counts and counts["record_entry"]:
        row = connection.execute(text("SELECT seq, hash FROM record_entry ORDER BY seq DESC LIMIT 1")).one()
        ledger = {"count": counts["record_entry"], "last_seq": row.seq, "head_hash": row.hash}
    return {"tables": counts, "ledger": ledger}


def _table_names(connection: Connection) -> list[str]:
    """Ordinary tables (SQLite's FTS virtual tables are left out: their shadow tables hold the rows)."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
            )
        )
    else:
        rows = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        )
    return [row[0] for row in rows]


# --- create ---------------------------------------------------------------------------------------------------------


def create_backup(out_dir: Path | None = None, *, include_secrets: bool = True) -> CreatedBackup:
    """Back up the app's database to `out_dir` (default: backup_dir()) while the app keeps serving.

    Records a BackupRecord row (flushes, the caller commits). Raises
    BackupError, in Chinese, when it cannot: an in-memory database, no
    pg_dump or an older one than the server, a full disk. Nothing that looks
    like a backup is left behind when it fails.
    """
    folder = Path(out_dir) if out_dir else backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    if dialect not in DATA_MEMBERS:
        raise BackupError(f"不支持备份 {dialect} 数据库（只支持 SQLite 和 PostgreSQL）")
    db.session.commit()  # hold no transaction of our own while the snapshot is taken
    taken_at = clock.now()
    data_tmp = folder / f".lms-backup-{uuid.uuid4().hex[:12]}.data{PARTIAL_SUFFIX}"
    try:
        with _disk_errors("写入备份"):
            if dialect == "sqlite":
                facts = _snapshot_sqlite(db.engine, data_tmp)
            else:
                facts = _snapshot_postgresql(db.engine, data_tmp)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": hashing.format_time(taken_at),
                "dialect": dialect,
                "revision": facts.pop("revision"),
                **facts,
            }
            final, manifest["data"] = _write_archive(folder, taken_at, data_tmp, DATA_MEMBERS[dialect], manifest)
    finally:
        data_tmp.unlink(missing_ok=True)
    secrets_path = _write_secrets(secrets_path_for(final)) if include_secrets else None
    if BackupRecord.__tablename__ not in manifest["tables"]:
        return CreatedBackup(final, secrets_path, manifest)  # a database not yet upgraded to 0016 (before an upgrade)
    db.session.add(
        BackupRecord(
            created_at=taken_at,
            file_name=final.name,
            size_bytes=final.stat().st_size,
            dialect=dialect,
            revision=manifest["revision"],
            ledger_count=manifest["ledger"]["count"],
            ledger_head=manifest["ledger"]["head_hash"],
            node=node_name(),
        )
    )
    db.session.flush()
    return CreatedBackup(final, secrets_path, manifest)


def _publish(partial: Path, folder: Path, taken_at: datetime) -> Path:
    """Give the finished file its backup name; a name taken (two backups in one second) is never overwritten."""
    stamp = taken_at.strftime("%Y%m%dT%H%M%SZ")
    for number in range(1, 1000):
        final = folder / (f"lms-backup-{stamp}.tar" if number == 1 else f"lms-backup-{stamp}-{number}.tar")
        try:
            os.link(partial, final)  # unlike rename, fails when the name exists
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links (some network shares): rename if the name is free
            if final.exists():
                continue
            os.replace(partial, final)
            return final
        partial.unlink()
        return final
    raise BackupError(f"备份目录 {folder} 里同一秒的备份太多")


def _snapshot_sqlite(engine: Engine, target: Path) -> dict:
    """Copy the live SQLite file with the online backup API, in one step (one consistent snapshot)."""
    source_path = engine.url.database
    if not source_path or source_path == ":memory:" or source_path.startswith("file:"):
        raise BackupError("内存中的 SQLite 数据库无法备份：请把 LMS_DATABASE_URL 指向一个数据库文件")
    source = sqlite3.connect(source_path, timeout=60)
    copy = sqlite3.connect(target)
    try:
        # pages=-1: all pages in one step, under one read transaction of the source, so writers that
        # commit meanwhile (WAL) are simply not in the copy; stepping would restart on every write.
        source.backup(copy, pages=-1)
        # A plain rollback-journal file: opening the copy makes no -wal/-shm beside it (the app turns WAL on again).
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    reader = create_engine(f"sqlite:///{target}")
    try:
        with reader.connect() as connection:
            return {"revision": database_revision(connection), **census(connection)}
    finally:
        reader.dispose()


def _snapshot_postgresql(engine: Engine, target: Path) -> dict:
    """pg_dump one exported snapshot, counted in the same transaction."""
    _check_pg_tool("pg_dump", engine)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            facts = {"revision": database_revision(connection), **census(connection)}
            _run_pg(
                "pg_dump",
                engine.url,
                ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={target}"],
            )
    return facts


def _write_archive(folder: Path, taken_at: datetime, data_file: Path, member: str, manifest: dict) -> tuple[Path, dict]:
    """Write data then manifest under a .partial name, fsync, then name it; returns the path and the data entry."""
    partial = folder / f".lms-backup-{uuid.uuid4().hex[:12]}.tar{PARTIAL_SUFFIX}"
    digest = hashlib.sha256()
    size = data_file.stat().st_size
    data_entry = {"member": member, "size": size}
    try:
        with _open_for_writing(partial) as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
                with open(data_file, "rb") as data:
                    archive.addfile(_member_info(member, size), _HashingReader(data, digest))
                data_entry["sha256"] = digest.hexdigest()
                body = json.dumps({**manifest, "data": data_entry}, ensure_ascii=False, indent=2).encode()
                archive.addfile(_member_info(MANIFEST, len(body)), io.BytesIO(body))
            raw.flush()
            os.fsync(raw.fileno())
        final = _publish(partial, folder, taken_at)
        _fsync_folder(folder)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return final, data_entry


def _open_for_writing(path: Path, mode: int = 0o640):
    """Open a new file for writing (never an existing one); tests replace it to simulate a full disk."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb")


def _member_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(clock.now().timestamp())
    return info


class _HashingReader:
    """A file wrapper that feeds every chunk read into a hash on its way into the archive."""

    def __init__(self, file, digest):
        self._file, self._digest = file, digest

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._digest.update(chunk)
        return chunk


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _disk_errors(action: str) -> Iterator[None]:
    """Turn OS errors into BackupError with a Chinese reason (a full disk named as such)."""
    try:
        yield
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise BackupError(f"{action}失败：磁盘空间不足，已删除未写完的文件，没有留下不完整的备份") from error
        raise BackupError(f"{action}失败：{error}") from error


def _write_secrets(path: Path) -> Path | None:
    """Put the instance secrets into their own archive, mode 0600; None when the instance folder holds none."""
    files = _secret_files()
    secret_key = current_app.config.get("SECRET_KEY")
    from_environment = secret_key and secret_key != "dev-only-not-secret" and not _defined_in(files, "SECRET_KEY")
    if not files and not from_environment:
        return None
    partial = path.with_name(f".{path.name}{PARTIAL_SUFFIX}")
    with _disk_errors("写入密钥备份"):
        try:
            with _open_for_writing(partial, 0o600) as raw:
                with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
                    for file in files:
                        archive.add(file, arcname=file.name, recursive=False)
                    if from_environment:  # LMS_SECRET_KEY came from the environment: keep it too
                        body = f"LMS_SECRET_KEY={secret_key}\n".encode()
                        archive.addfile(_member_info("secret-key.env", len(body)), io.BytesIO(body))
                raw.flush()
                os.fsync(raw.fileno())
            os.chmod(partial, 0o600)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return path


def _secret_files() -> list[Path]:
    """Secret files of the instance folder, and the certificate signing key wherever CREDENTIAL_KEY_FILE puts it."""
    instance = Path(current_app.instance_path)
    found = (
        {p for pattern in SECRET_FILE_PATTERNS for p in instance.glob(pattern) if p.is_file()}
        if instance.is_dir()
        else set()
    )
    signing_key = current_app.config.get("CREDENTIAL_KEY_FILE")
    if signing_key and Path(signing_key).is_file():
        found.add(Path(signing_key))
    return sorted(found)


def _defined_in(files: list[Path], name: str) -> bool:
    return any(f.name == "config.py" and name in f.read_text(encoding="utf-8", errors="replace") for f in files)


# --- PostgreSQL client tools ----------------------------------------------------------------------------------------


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq settings for the tools; the password goes in PGPASSWORD, never on the command line."""
    env = {**os.environ}
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[variable] = str(value)
    return env


def _run_pg(tool: str, url: URL, arguments: list[str]) -> None:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client-15）")
    done = subprocess.run([path, *arguments], env=_pg_environment(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        if "No space left on device" in detail:
            raise OSError(errno.ENOSPC, detail)
        raise BackupError(f"{tool} 失败（退出码 {done.returncode}）：{detail}")


def _check_pg_tool(tool: str, engine: Engine) -> None:
    """pg_dump/pg_restore must be at least the server's major version (an older one refuses or loses data)."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client-15）")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    with engine.connect() as connection:
        server = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    if match is None or int(match.group(1)) < server:
        raise BackupError(
            f"{tool} 版本（{output.strip() or '未知'}）低于数据库服务器的主版本 {server}："
            f"请安装 postgresql-client-{server}"
        )


# --- read -----------------------------------------------------------------------------------------------------------


def read_manifest(path: Path, *, check_data: bool = True) -> dict:
    """The manifest of the backup at `path`, after checking it is whole (the data member's size and hash).

    Raises BackupError naming the problem: not a backup, truncated, damaged.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    try:
        with tarfile.open(path, mode="r:") as archive:
            try:
                manifest_member = archive.getmember(MANIFEST)
            except KeyError:
                raise BackupError(f"备份文件不完整：找不到清单 {MANIFEST}（文件可能被截断，或不是 lms 备份）") from None
            manifest = json.loads(archive.extractfile(manifest_member).read().decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError("这不是 lms 的备份文件（清单格式不对）")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不是本程序的 {FORMAT_VERSION}")
            if check_data:
                _check_data(archive, manifest)
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"备份文件不完整或已损坏（可能被截断）：{error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"备份清单无法读取：{error}") from error
    except OSError as error:
        raise BackupError(f"无法读取备份文件 {path}：{error}") from error
    return manifest


def _check_data(archive: tarfile.TarFile, manifest: dict) -> None:
    entry = manifest.get("data") or {}
    try:
        member = archive.getmember(entry.get("member", ""))
    except KeyError:
        raise BackupError("备份文件不完整：找不到数据库数据") from None
    if member.size != entry.get("size"):
        raise BackupError(f"备份文件已损坏：数据大小 {member.size} 字节，清单记录的是 {entry.get('size')} 字节")
    digest = hashlib.sha256()
    source = archive.extractfile(member)
    while chunk := source.read(COPY_CHUNK):
        digest.update(chunk)
    if digest.hexdigest() != entry.get("sha256"):
        raise BackupError("备份文件已损坏：数据的 SHA-256 与清单不符（文件被截断或改动过）")


def _extract_data(path: Path, manifest: dict, target: Path) -> None:
    with tarfile.open(path, mode="r:") as archive, open(target, "wb") as out:
        shutil.copyfileobj(archive.extractfile(manifest["data"]["member"]), out, COPY_CHUNK)


# --- restore --------------------------------------------------------------------------------------------------------


def check_restorable(manifest: dict, dialect: str) -> None:
    """Refuse a backup of another schema revision or another kind of database (BackupError, in Chinese)."""
    head = head_revision()
    if manifest.get("revision") != head:
        raise BackupError(
            f"备份的数据库版本是 {manifest.get('revision') or '（未迁移）'}，本程序的版本是 {head}："
            "请用与备份同一版本的程序恢复，再运行 lms db upgrade"
        )
    if manifest.get("dialect") != dialect:
        raise BackupError(f"这是 {manifest.get('dialect')} 数据库的备份，不能恢复到 {dialect} 数据库")


def restore_backup(path: Path) -> dict:
    """Restore the backup at `path` into the app's database, which must be empty; returns the manifest.

    Checks the file first (whole, same schema revision, same kind of
    database) and the row counts after. Raises BackupError saying why it refuses.
    """
    manifest = read_manifest(path)
    engine = db.engine
    check_restorable(manifest, engine.dialect.name)
    db.session.remove()
    _restore_into(Path(path), manifest, engine)
    with engine.connect() as connection:
        problems = _compare_counts(manifest, census(connection))
    if problems:
        raise BackupError("恢复后的行数与清单不符：" + "；".join(problems))
    return manifest


def _restore_into(path: Path, manifest: dict, engine: Engine) -> None:
    with engine.connect() as connection:
        existing = _table_names(connection)
    if existing:
        shown = "、".join(existing[:5]) + ("……" if len(existing) > 5 else "")
        raise BackupError(f"目标数据库不是空的（已有 {len(existing)} 张表：{shown}）：只能恢复到空数据库")
    with tempfile.TemporaryDirectory(prefix="lms-restore-") as folder:
        data = Path(folder) / manifest["data"]["member"]
        with _disk_errors("解出备份数据"):
            _extract_data(path, manifest, data)
        engine.dispose()  # no pooled connection may hold the target while it is written
        if engine.dialect.name == "sqlite":
            _restore_sqlite(data, engine.url.database)
        else:
            _check_pg_tool("pg_restore", engine)
            _run_pg(
                "pg_restore",
                engine.url,
                [
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={engine.url.database}",
                    str(data),
                ],
            )


def _restore_sqlite(data: Path, target: str | None) -> None:
    if not target or target == ":memory:" or target.startswith("file:"):
        raise BackupError("不能恢复到内存中的 SQLite 数据库：请把 LMS_DATABASE_URL 指向一个数据库文件")
    source, destination = sqlite3.connect(data), sqlite3.connect(target, timeout=60)
    try:
        source.backup(destination, pages=-1)
    finally:
        destination.close()
        source.close()


def _compare_counts(manifest: dict, found: dict) -> list[str]:
    expected = manifest.get("tables") or {}
    problems = [
        f"表 {name}：清单 {count} 行，数据库 {found['tables'].get(name, '（没有这张表）')} 行"
        for name, count in sorted(expected.items())
        if found["tables"].get(name) != count
    ]
    problems += [f"多出清单没有的表 {name}" for name in sorted(set(found["tables"]) - set(expected))]
    return problems


# --- verify ---------------------------------------------------------------------------------------------------------


def verify_backup(path: Path) -> VerifyReport:
    """Restore the backup at `path` into a scratch database and check it; the live database is not touched.

    Checks: the file is whole; the schema is at head; the row counts match
    the manifest; SQLite's integrity_check; the ledger verifies and its head
    is the manifest's. A refused file raises BackupError (nothing to check).
    """
    manifest = read_manifest(path)
    report = VerifyReport(passed=[f"文件完整：清单与数据的 SHA-256 一致（{manifest['data']['size']} 字节）"])
    dialect = db.engine.dialect.name
    check_restorable(manifest, dialect)
    with _scratch_database(db.engine) as scratch:
        _restore_into(Path(path), manifest, scratch)
        _check_scratch(scratch, manifest, report)
    return report


@contextlib.contextmanager
def _scratch_database(engine: Engine) -> Iterator[Engine]:
    """An empty database of the same kind: a temporary SQLite file, or a PostgreSQL database created and dropped."""
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lms-verify-") as folder:
            scratch = create_engine(f"sqlite:///{Path(folder) / 'verify.sqlite3'}")
            try:
                yield scratch
            finally:
                scratch.dispose()
        return
    name = f"lms_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        scratch = create_engine(make_url(engine.url).set(database=name))
        try:
            yield scratch
        finally:
            scratch.dispose()
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _check_scratch(scratch: Engine, manifest: dict, report: VerifyReport) -> None:
    from lms.record import service as record_service

    with scratch.connect() as connection:
        revision = database_revision(connection)
        if revision == head_revision():
            report.passed.append(f"数据库结构是最新版本 {revision}")
        else:
            report.problems.append(f"恢复出的数据库版本是 {revision}，不是最新的 {head_revision()}")
        found = census(connection)
        problems = _compare_counts(manifest, found)
        if problems:
            report.problems.append("行数与清单不符：" + "；".join(problems))
        else:
            total = sum(found["tables"].values())
            report.passed.append(f"行数与清单一致：{len(found['tables'])} 张表，共 {total} 行")
        if scratch.dialect.name == "sqlite":
            outcome = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
            if outcome == ["ok"]:
                report.passed.append("SQLite integrity_check：ok")
            else:
                report.problems.append("SQLite integrity_check 未通过：" + "；".join(outcome[:5]))
    if "record_entry" not in inspect(scratch).get_table_names():
        report.problems.append("恢复出的数据库没有档案表 record_entry")
        return
    chain = _verify_chain_on(scratch, record_service.verify_chain)
    expected = manifest["ledger"]
    if not chain.ok:
        report.problems.append(f"档案链损坏（此前 {chain.count} 条完好）：{chain.broken}")
    elif (chain.count, chain.head_hash) != (expected["count"], expected["head_hash"]):
        report.problems.append(
            f"档案链头与清单不符：恢复出 {chain.count} 条、哈希 {chain.head_hash}，"
            f"清单记录 {expected['count']} 条、哈希 {expected['head_hash']}"
        )
    else:
        report.passed.append(f"档案链完整：{chain.count} 条，链头哈希与清单一致")


def _verify_chain_on(scratch: Engine, verify_chain):
    """Run the ledger's own verify_chain (which reads db.session) in an app bound to the scratch database."""
    from lms import create_app

    scratch_app = create_app(
        {
            "CLI_MODE": True,
            "SECRET_KEY": current_app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": scratch.url.render_as_string(hide_password=False),
        }
    )
    with scratch_app.app_context():
        try:
            return verify_chain()
        finally:
            db.session.remove()
            db.engine.dispose()
