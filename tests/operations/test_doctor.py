"""lms doctor (issue 15, 4): every check, in plain Chinese, exit 1 when anything is wrong."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from .conftest import free_port


@pytest.fixture
def signing_key(app):
    """The certificate signing key in the app's instance folder, when certificates exist."""
    if importlib.util.find_spec("lms.certificates.keys") is None:
        return None
    from lms.certificates import keys

    path = keys.key_path(app.config, app.instance_path)
    keys.create_key_file(path)
    return path


def test_a_fresh_install_is_told_what_to_do(app_on, new_database, frozen_now):
    app = app_on(new_database(), SECRET_KEY="dev-only-not-secret")
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "✗ 配置：未设置密钥" in result.output and "lms setup" in result.output
    assert "✓ 数据库：可以连接" in result.output
    assert "✗ 备份：还没有任何备份" in result.output
    assert "✗ 定时任务：定时任务从未运行" in result.output
    assert "✓ 档案：档案链完整：0 条" in result.output
    assert "发现" in result.output and "个问题" in result.output


def test_all_well_after_the_jobs_ran(app, runner, frozen_now, signing_key):
    frozen_now(datetime(2026, 12, 1, 1, 0))
    assert runner.invoke(args=["jobs", "run-due"]).exit_code == 0
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "一切正常" in result.output and "✗" not in result.output
    assert "✓ 备份：最近一次备份是 0.0 小时前" in result.output
    quick = runner.invoke(args=["doctor", "--quick"])
    assert quick.exit_code == 0 and "链头与最近的检查点（第 0 条）一致" in quick.output

    frozen_now(hours=30)  # nobody ran cron since
    stale = runner.invoke(args=["doctor"])
    assert stale.exit_code == 1
    assert "✗ 备份：最近一次备份是 30 小时前" in stale.output and "超过了 26 小时" in stale.output
    assert "已到期" in stale.output and "cron 还在调用吗" in stale.output


def test_unreachable_redis_and_smtp_are_named(app, runner, frozen_now, signing_key):
    frozen_now(datetime(2026, 12, 1, 1, 0))
    runner.invoke(args=["jobs", "run-due"])
    closed = free_port()
    app.config.update(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed}/0", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "✗ Redis：RATELIMIT_STORAGE_URI 指向的 Redis 连不上" in result.output
    assert f"✗ 邮件：连不上 SMTP 服务器 127.0.0.1:{closed}" in result.output


def test_smtp_that_answers_passes(app, runner, smtp_server):
    result = runner.invoke(args=["doctor"])
    assert f"✓ 邮件：SMTP 服务器 127.0.0.1:{app.config['MAIL_PORT']} 可以连接" in result.output


def test_low_disk_and_a_database_behind_head(app_on, new_database):
    app = app_on(new_database(), revision="0010", DOCTOR_MIN_FREE_MB=10**9)
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "✗ 数据库：数据库版本是 0010" in result.output and "lms db upgrade" in result.output
    assert "✗ 磁盘：实例目录" in result.output and "要求至少" in result.output
    assert "检查时出错" in result.output  # the checks that need the newer tables say so instead of crashing


def test_a_missing_signing_key_is_named(app, runner):
    if importlib.util.find_spec("lms.certificates.keys") is None:
        pytest.skip("certificates are not in this tree")
    result = runner.invoke(args=["doctor"])
    assert "✗ 签名密钥：找不到凭证签名密钥" in result.output


def test_every_check_reports(app):
    from lms.operations import doctor

    with app.app_context():
        areas = {finding.area for finding in doctor.run_checks()}
    assert {"配置", "数据库", "Redis", "邮件", "磁盘", "备份", "定时任务", "档案"} <= areas
    assert Path(app.instance_path).is_dir() and timedelta(hours=1) == doctor.JOB_LATE_AFTER


def test_a_missing_fallback_font_is_named(app, runner, tmp_path):
    if importlib.util.find_spec("lms.certificates.pdf") is None:
        pytest.skip("certificates are not in this tree")
    app.config["CERTIFICATE_FALLBACK_FONT"] = str(tmp_path / "NotoSansCJK-Regular.ttc")
    result = runner.invoke(args=["doctor"])
    assert "✓ 字体：证书字体 NotoSansSC-GB2312.ttf 可用" in result.output
    assert "✗ 字体：备用字体（CERTIFICATE_FALLBACK_FONT）" in result.output and "不存在" in result.output
