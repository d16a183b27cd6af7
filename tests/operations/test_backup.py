"""lms backup create / restore / verify (issue 15, 1) on a SQLite file and, with LMS_TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import tarfile
from datetime import datetime

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import BackupRecord, User
from lms.operations import backup
from lms.record import service as record_service

from .conftest import STRONG_KEY


def _people_with_facts(make_user, count=3):
    people = [make_user() for _ in range(count)]
    for person in people:
        record_service.append_fact(
            "award",
            subject_id=person.id,
            occurred_at=datetime(2026, 11, 1),
            source=f"award:{person.id}",
            payload={"award": "other", "title": "测试奖", "period": "2026", "citation": "", "awarded_on": "2026-11-01"},
        )
    db.session.commit()
    return people


def test_create_verify_and_restore_into_an_empty_database(app, app_on, new_database, make_user, tmp_path, runner):
    (tmp_path / "instance-0" / "config.py").write_text(f"SECRET_KEY = {STRONG_KEY!r}\n")
    with app.app_context():
        _people_with_facts(make_user)
    result = runner.invoke(args=["backup", "create", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and "密钥另存于" in result.output
    [path] = backup.backups_in(tmp_path / "out")
    manifest = backup.read_manifest(path)
    assert manifest["tables"]["user"] == 3 and manifest["tables"]["record_entry"] == 3
    assert manifest["ledger"]["count"] == 3 and manifest["revision"] == backup.head_revision()
    # The secrets are apart, 0600, and nowhere in the database backup.
    secrets = backup.secrets_path_for(path)
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    with tarfile.open(secrets) as archive:
        assert archive.getnames() == ["config.py"]
    assert STRONG_KEY.encode() not in path.read_bytes()

    verified = runner.invoke(args=["backup", "verify", str(path)])
    assert verified.exit_code == 0, verified.output
    for check in ("文件完整", "最新版本", "行数与清单一致", "档案链完整"):
        assert check in verified.output

    target = app_on(new_database(), migrate=False)
    restored = target.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 3
        assert record_service.verify_chain().count == 3
    # The restored database is not empty any more: a second restore is refused, and says why.
    again = target.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert again.exit_code == 1 and "目标数据库不是空的" in again.output and "只能恢复到空数据库" in again.output


def test_restore_refuses_a_non_empty_database_and_writes_nothing(app, make_user, runner, tmp_path):
    with app.app_context():
        _people_with_facts(make_user, 2)
        path = backup.create_backup(tmp_path / "out").path
        db.session.commit()
    result = runner.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1 and "拒绝恢复" in result.output and "目标数据库不是空的" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2


@pytest.mark.parametrize("member", ["database", "manifest.json"])
def test_a_truncated_backup_is_refused_by_restore_and_verify(app, app_on, new_database, make_user, tmp_path, member):
    with app.app_context():
        _people_with_facts(make_user, 2)
        path = backup.create_backup(tmp_path / "out").path
        db.session.commit()
    with tarfile.open(path) as archive:
        inside = next(m for m in archive.getmembers() if m.name.startswith(member))
    cut = tmp_path / "cut.tar"
    cut.write_bytes(path.read_bytes()[: inside.offset_data + inside.size // 2])  # ends halfway through the member
    target = app_on(new_database(), migrate=False)
    for command in ("restore", "verify"):
        result = target.test_cli_runner().invoke(args=["backup", command, str(cut)])
        assert result.exit_code == 1, result.output
        assert "不完整" in result.output or "已损坏" in result.output, result.output
    with target.app_context():
        assert backup._table_names(db.session.connection()) == []  # restore refused before writing anything


def test_a_tampered_data_member_fails_its_hash(app, make_user, tmp_path, runner):
    with app.app_context():
        _people_with_facts(make_user, 1)
        path = backup.create_backup(tmp_path / "out").path
        db.session.commit()
    raw = bytearray(path.read_bytes())
    raw[5000] ^= 0xFF  # inside the database member, past the first tar header
    path.write_bytes(bytes(raw))
    result = runner.invoke(args=["backup", "verify", str(path)])
    assert result.exit_code == 1 and "SHA-256 与清单不符" in result.output


def test_a_backup_of_another_schema_revision_is_refused(app_on, new_database, tmp_path):
    old = app_on(new_database(), revision="0010")
    with old.app_context():
        path = backup.create_backup(tmp_path / "out").path
        assert db.session.scalar(select(func.count(User.id))) == 0  # (0010 has no backup_record to note it in)
    assert backup.read_manifest(path)["revision"] == "0010"
    target = app_on(new_database(), migrate=False)
    for command in ("restore", "verify"):
        result = target.test_cli_runner().invoke(args=["backup", command, str(path)])
        assert result.exit_code == 1
        assert "备份的数据库版本是 0010" in result.output and backup.head_revision() in result.output


class _FullDisk(io.RawIOBase):
    """A file that takes `room` bytes and then fails as a full disk does."""

    def __init__(self, real, room):
        self.real, self.room = real, room

    def writable(self):
        return True

    def write(self, data):
        if self.room < len(data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.real.write(data)

    def fileno(self):
        return self.real.fileno()

    def tell(self):
        return self.real.tell()

    def seek(self, offset, whence=0):
        return self.real.seek(offset, whence)

    def flush(self):
        self.real.flush()

    def close(self):
        super().close()
        self.real.close()


def test_a_full_disk_leaves_no_file_that_looks_like_a_backup(app, make_user, tmp_path, runner, monkeypatch):
    with app.app_context():
        _people_with_facts(make_user, 2)
    real_open = backup._open_for_writing
    monkeypatch.setattr(backup, "_open_for_writing", lambda path, mode=0o640: _FullDisk(real_open(path, mode), 20000))
    result = runner.invoke(args=["backup", "create", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "磁盘空间不足" in result.output
    assert list((tmp_path / "out").iterdir()) == []  # neither a backup nor a partial file
    with app.app_context():
        assert db.session.scalar(select(func.count(BackupRecord.id))) == 0
        assert backup.latest_backup_age() is None


def test_retention_keeps_the_last_n(app, tmp_path, runner):
    app.config["BACKUP_KEEP"] = 2
    for _ in range(3):
        assert runner.invoke(args=["backup", "create", "--out", str(tmp_path / "out")]).exit_code == 0
    kept = backup.backups_in(tmp_path / "out")
    assert len(kept) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(BackupRecord.id))) == 3
        assert backup.latest_backup().file_name == kept[-1].name
        assert 0 <= backup.latest_backup_age() < 60


def test_manifest_counts_every_table(app, make_user, tmp_path):
    with app.app_context():
        _people_with_facts(make_user, 4)
        created = backup.create_backup(tmp_path / "out")
        db.session.commit()
        tables = created.manifest["tables"]
        assert {"user", "record_entry", "exam_attempt", "job_run", "alembic_version"} <= set(tables)
        assert tables["user"] == 4 and tables["alembic_version"] == 1
        document = json.loads(json.dumps(created.manifest))  # plain JSON
        assert document["data"]["sha256"] and document["data"]["size"] > 0


def test_a_missing_or_older_pg_dump_is_named(app, tmp_path, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("pg_dump is for PostgreSQL")
        monkeypatch.setattr(backup.shutil, "which", lambda name: None)
        with pytest.raises(backup.BackupError, match="找不到 pg_dump.*postgresql-client"):
            backup.create_backup(tmp_path / "out")
        old = tmp_path / "pg_dump"
        old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
        old.chmod(0o755)
        monkeypatch.setattr(backup.shutil, "which", lambda name: str(old))
        with pytest.raises(backup.BackupError, match="低于数据库服务器的主版本"):
            backup.create_backup(tmp_path / "out")
        assert backup.backups_in(tmp_path / "out") == []
