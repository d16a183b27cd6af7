"""`lms certificates …`: verify a credential offline, show the signing key, list certificates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from lms import clock
from lms.certificates import credential, keys, service
from lms.extensions import db

certificates_cli = AppGroup("certificates", help="技能认证证书：核验电子凭证、查看签名密钥、列出证书。")


def ensure_signing_key() -> None:
    """For `lms setup`: create the credential signing key once and print where it is and its did:key."""
    path = keys.key_path(current_app.config, current_app.instance_path)
    created = keys.create_key_file(path)
    key = keys.load_key_file(path)
    state = "已生成" if created else "已存在"
    click.echo(f"凭证签名密钥{state}：{path}（签发者 {key.did}）")


@certificates_cli.command("key")
def key_command():
    """Print this instance's issuer did:key and key id (what verifiers compare a credential's issuer with)."""
    try:
        key = service.signing_key(create=False)
    except keys.SigningKeyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"签发者：{key.did}\n密钥标识：{key.key_id}\n密钥文件：{key.path}")


@certificates_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def verify_command(file: Path):
    """Verify a certificate credential (Open Badges 3.0, eddsa-rdfc-2022) offline; exit 1 naming the failed check."""
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        _fail("format", f"无法读取 JSON：{error}")
    result = credential.verify_credential(document, clock.now())
    _describe(result)
    if not result.ok:
        _fail(result.failed, result.message)
    for check in result.passed:
        click.echo(f"  ✓ {credential.CHECKS[check]}")
    trusted = _issuer_trust(result.issuer_did)
    click.echo(f"  {trusted}")
    status, note = _status(result.credential_id)
    click.echo(f"状态：{status}" + (f"（{note}）" if note else ""))
    if status == "已撤销":
        sys.exit(1)


def _describe(result: credential.Verification) -> None:
    click.echo(f"签发者：{result.issuer_name or '—'}（{result.issuer_did or '—'}）")
    subject = result.holder_name + (f"（工号 {result.employee_no}）" if result.employee_no else "")
    click.echo(f"持有人：{subject or '—'}")
    click.echo(f"证书：{result.achievement or '—'}")
    click.echo(f"签发时间：{result.valid_from or '—'}")
    for name, description in result.evidence:
        click.echo(f"  · {name}：{description}")


def _fail(check: str | None, message: str) -> None:
    click.echo(f"核验失败：{credential.CHECKS.get(check or '', check)}（{check}）：{message}", err=True)
    sys.exit(1)


def _issuer_trust(issuer_did: str) -> str:
    """Whether the issuer is this instance's key (signed by someone else's valid key is no certificate of ours)."""
    try:
        ours = service.signing_key(create=False).did
    except keys.SigningKeyError:
        return "? 签发者：本机没有签名密钥，无法判断是否为本平台签发"
    if issuer_did != ours:
        _fail("issuer_trusted", f"签名有效，但签发者不是本平台（本平台为 {ours}）")
    return "✓ 签发者为本平台"


def _status(credential_id: str) -> tuple[str, str]:
    """Valid / revoked from this instance's database, or why it cannot know."""
    public_id = service.public_id_of(credential_id)
    try:
        certificate = service.find_certificate(public_id)
    except SQLAlchemyError:
        db.session.rollback()
        return "未知", "无法读取本机数据库，不能确认是否已撤销"
    if certificate is None:
        return "未知", "本机数据库中没有这张证书，不能确认是否已撤销"
    if certificate.revocation is not None:
        revocation = certificate.revocation
        return "已撤销", f"{revocation.revoked_on}：{revocation.reason}"
    return "有效", "据本机数据库，未撤销"


@certificates_cli.command("issue-due")
def issue_due_command():
    """Issue the certificates that are due (after a tracks-file fix, or for levels achieved before certificates)."""
    from sqlalchemy import select

    from lms.models import User
    from lms.tracks.service import achieved_cells

    try:
        issued = service.issue_due(achieved_cells, db.session.scalars(select(User.id).where(User.active)).all())
    except service.CertificateError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    for certificate in issued:
        click.echo(f"已签发 {certificate.number}：{certificate.user.name}（{certificate.user.employee_no}）")
    click.echo(f"共签发 {len(issued)} 张证书。")


def _url(public_id: str) -> str:
    try:
        return service.verification_url(public_id)
    except RuntimeError:  # neither PUBLIC_BASE_URL nor SERVER_NAME: no full URL to print
        return f"/verify/{public_id}"


@certificates_cli.command("list")
@click.option("--revoked", "status", flag_value="revoked", help="只列已撤销的。")
@click.option("--valid", "status", flag_value="valid", help="只列有效的。")
def list_command(status: str | None):
    """List certificates, newest first: number, person, date, status, verification URL."""
    stmt = service.list_certificates(service.CertificateFilter(status=status or ""))
    count = 0
    for certificate in db.session.scalars(stmt).unique():
        count += 1
        state = f"已撤销 {certificate.revocation.revoked_on}" if certificate.revocation else "有效"
        click.echo(
            f"{certificate.number}\t{certificate.user.employee_no}\t{certificate.user.name}\t"
            f"{certificate.issued_on}\t{state}\t{_url(certificate.public_id)}"
        )
    click.echo(f"共 {count} 张证书。")
