"""The public verification page, the holder's downloads, HR's list and revocation."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import CertificateRevocation


def test_verification_page_is_public_and_shows_only_name_achievement_date_status(client, make_user, certify):
    public_id = certify(make_user(name="欧阳娜娜", employee_no="S00120"))
    response = client.get(f"/verify/{public_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("欧阳娜娜", "高级销售技能认证", "2026-12-02", "有效"):
        assert text in page
    assert "S00120" not in page and "已撤销" not in page and "退出" not in page
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_unknown_ids_get_the_same_404(client, make_user, certify):
    certify(make_user())
    first = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA")
    second = client.get("/verify/1")
    too_long = client.get("/verify/" + "A" * 40)
    assert first.status_code == second.status_code == too_long.status_code == 404
    assert first.get_data() == second.get_data()


def test_verification_is_rate_limited(app, client, make_user, certify):
    app.config["CERTIFICATE_VERIFY_LIMIT"] = "3 per minute"
    public_id = certify(make_user())
    statuses = [client.get(f"/verify/{public_id}").status_code for _ in range(3)]
    statuses.append(client.get("/verify/unknown-id-also-counts").status_code)
    assert statuses == [200, 200, 200, 429]


def test_holder_downloads_pdf_and_credential_others_get_404(client, auth, make_user, certify):
    holder, other = make_user(), make_user()
    public_id = certify(holder)
    auth.login(holder)
    mine = client.get("/certificates/mine").get_data(as_text=True)
    assert f"/certificates/{public_id}/certificate.pdf" in mine and "SC2026-" in mine
    pdf = client.get(f"/certificates/{public_id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    document = client.get(f"/certificates/{public_id}/credential.json")
    assert json.loads(document.data)["id"].endswith(f"/verify/{public_id}")
    auth.logout()
    auth.login(other)
    assert client.get(f"/certificates/{public_id}/certificate.pdf").status_code == 404
    assert client.get(f"/certificates/{public_id}/credential.json").status_code == 404
    assert "还没有证书" in client.get("/certificates/mine").get_data(as_text=True)


def test_downloads_need_sign_in(client, make_user, certify):
    public_id = certify(make_user())
    assert client.get(f"/certificates/{public_id}/certificate.pdf").status_code == 302


def test_hr_lists_and_revokes_then_the_page_says_revoked(app, client, auth, make_user, certify):
    person, hr = make_user(name="李销售"), make_user(roles=("hr",))
    public_id = certify(person)
    auth.login(hr)
    listing = client.get("/admin/certificates/?status=valid").get_data(as_text=True)
    assert "李销售" in listing and f"/admin/certificates/{public_id}/revoke" in listing
    response = client.post_form(f"/admin/certificates/{public_id}/revoke", {"reason": "评估造假"})
    assert response.status_code == 302
    page = client.get(f"/verify/{public_id}").get_data(as_text=True)
    assert "已撤销" in page and "评估造假" not in page
    assert "评估造假" in client.get("/admin/certificates/?status=revoked").get_data(as_text=True)


def test_revocation_without_reason_is_a_field_error_and_writes_nothing(app, client, auth, make_user, certify):
    public_id = certify(make_user())
    auth.login(make_user(roles=("hr",)))
    response = client.post_form(f"/admin/certificates/{public_id}/revoke", {"reason": ""})
    assert response.status_code == 400 and "请填写撤销原因" in response.get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(CertificateRevocation)) == 0


def test_revocation_needs_csrf_and_hr(app, client, auth, make_user, certify):
    person = make_user(roles=("rep", "manager"))
    public_id = certify(person)
    auth.login(person)
    assert client.get("/admin/certificates/").status_code == 403
    assert client.post_form(f"/admin/certificates/{public_id}/revoke", {"reason": "x"}).status_code == 403
    auth.logout()
    auth.login(make_user(roles=("hr",)))
    assert client.post(f"/admin/certificates/{public_id}/revoke", data={"reason": "无令牌"}).status_code == 400
    assert client.get("/admin/certificates/AAAAAAAAAAAAAAAAAAAAAA/revoke").status_code == 404
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(CertificateRevocation)) == 0
