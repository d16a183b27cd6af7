"""`lms certificates verify|key|list` and the signing key `lms setup` creates."""

from __future__ import annotations

import json
import os
import stat

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certificates import cli, credential, keys, service, signing
from tests.certificates.conftest import OB3
from tests.certificates.test_credential import make_data


def credential_file(app, tmp_path, public_id: str, change=None):
    with app.app_context():
        document = json.loads(service.find_certificate(public_id).credential_json)
    if change:
        change(document)
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_verify_prints_issuer_subject_achievement_dates_and_valid(app, runner, tmp_path, make_user, certify):
    public_id = certify(make_user(name="欧阳娜娜", employee_no="S00120"))
    result = runner.invoke(args=["certificates", "verify", credential_file(app, tmp_path, public_id)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        did = service.signing_key(create=False).did
    for text in (
        f"签发者：销售学习平台（{did}）",
        "持有人：欧阳娜娜（工号 S00120）",
        "证书：高级销售技能认证",
        "签发时间：2026-12-01T19:30:00Z",
        "客户沟通技巧·高级：达成于 2026-11-01",
        "✓ 签名",
        "✓ 签发者为本平台",
        "状态：有效（据本机数据库，未撤销）",
    ):
        assert text in result.output


def test_verify_fails_an_altered_credential_naming_the_check(app, runner, tmp_path, make_user, certify):
    public_id = certify(make_user())

    def rename(document):
        document["credentialSubject"]["identifier"][0]["identityHash"] = "冒名者"

    result = runner.invoke(args=["certificates", "verify", credential_file(app, tmp_path, public_id, rename)])
    assert result.exit_code == 1
    assert "核验失败：签名（signature）" in result.output and "持有人：冒名者" in result.output


def test_verify_refuses_a_credential_signed_by_another_key(app, runner, tmp_path, make_user, certify):
    public_id = certify(make_user())
    forger = Ed25519PrivateKey.generate()

    def forge(document):
        document["issuer"]["id"] = signing.did_key(forger.public_key())
        resigned = signing.sign(
            document, forger, signing.did_key_method(forger.public_key()), "2026-12-01T19:30:00Z", True
        )
        document.clear()
        document.update(resigned)

    result = runner.invoke(args=["certificates", "verify", credential_file(app, tmp_path, public_id, forge)])
    assert result.exit_code == 1
    assert "（issuer_trusted）：签名有效，但签发者不是本平台" in result.output


def test_verify_reports_a_revocation(app, runner, tmp_path, make_user, certify):
    public_id = certify(make_user())
    with app.app_context():
        service.revoke_certificate(service.find_certificate(public_id), "评估造假")
        service.db.session.commit()
    result = runner.invoke(args=["certificates", "verify", credential_file(app, tmp_path, public_id)])
    assert result.exit_code == 1
    assert "✓ 签名" in result.output and "状态：已撤销（2026-12-02：评估造假）" in result.output


def test_verify_says_when_it_cannot_know_the_issuer(app, runner, tmp_path, make_user, certify):
    public_id = certify(make_user())
    path = credential_file(app, tmp_path, public_id)
    app.config["CREDENTIAL_KEY_FILE"] = str(tmp_path / "elsewhere.pem")  # an instance without the key
    result = runner.invoke(args=["certificates", "verify", path])
    assert result.exit_code == 0, result.output
    assert "? 签发者：本机没有签名密钥，无法判断是否为本平台签发" in result.output
    assert "状态：有效（据本机数据库，未撤销）" in result.output
    assert not (tmp_path / "elsewhere.pem").exists()  # verifying never creates a key


def test_verify_names_unknown_certificates_as_unknown(app, runner, tmp_path, key_file):
    with app.app_context():
        keys.create_key_file(key_file)
        ours = service.signing_key(create=False)
    unsigned = credential.build_credential(
        make_data(ours.did, credential_id="http://lms.test/verify/NeverIssued000000000a")
    )
    signed = signing.sign(unsigned, ours.private_key, ours.key_id, "2026-12-01T19:30:05Z", True)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(signed))
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert "状态：未知（本机数据库中没有这张证书，不能确认是否已撤销）" in result.output


def test_verify_the_spec_vector_fails_on_its_unresolvable_key(runner):
    result = runner.invoke(args=["certificates", "verify", str(OB3 / "test-vector" / "credential.signed.json")])
    assert result.exit_code == 1
    assert "（verification_method）" in result.output and "无法离线解析" in result.output


def test_verify_a_file_that_is_not_json(runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1 and "（format）" in result.output


def test_setup_key_is_created_once_0600_and_shown(app, runner, key_file):
    with app.app_context():
        cli.ensure_signing_key()
        first = key_file.read_bytes()
        cli.ensure_signing_key()
        assert key_file.read_bytes() == first
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    result = runner.invoke(args=["certificates", "key"])
    assert result.exit_code == 0 and "签发者：did:key:z6Mk" in result.output


def test_key_command_without_a_key(runner, key_file):
    result = runner.invoke(args=["certificates", "key"])
    assert result.exit_code == 1 and "请运行 lms setup" in result.output


def test_list_prints_numbers_and_urls(app, runner, make_user, certify):
    public_id = certify(make_user(name="李销售"))
    result = runner.invoke(args=["certificates", "list", "--valid"])
    assert (
        "李销售" in result.output
        and f"http://lms.test/verify/{public_id}" in result.output
        and "共 1 张" in result.output
    )
    assert "共 0 张" in runner.invoke(args=["certificates", "list", "--revoked"]).output


def test_issue_due_uses_the_tracks_levels(app, runner, make_user, key_file):
    make_user()
    result = runner.invoke(args=["certificates", "issue-due"])
    assert result.exit_code == 0, result.output
    assert "共签发 0 张证书" in result.output
