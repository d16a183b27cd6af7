"""The certificate PDF: A4, Chinese text extracted back intact (shipped font), a QR code decoding to the URL."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
import zxingcpp
from PIL import Image

from lms.certificates import documents, pdf, service
from lms.tracks.loader import cell_label

MM = 72 / 25.4


def extracted_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def qr_image(data: bytes) -> Image.Image:
    """Rebuild the QR code from the filled squares the PDF draws (no renderer needed), 8 pixels a module."""
    content = pypdf.PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    squares = [
        (float(x), float(y), float(w))
        for x, y, w, h in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (-[\d.]+) re f", content)
        if abs(float(w) + float(h)) < 0.02 and float(w) < 2 * MM
    ]
    size = min(w for _, _, w in squares)
    modules = [(x, y) for x, y, w in squares if abs(w - size) < 0.02]
    left, top = min(x for x, _ in modules), max(y for _, y in modules)
    cells = {(round((x - left) / size), round((top - y) / size)) for x, y in modules}
    count = max(max(c) for c in cells) + 1
    image = Image.new("L", ((count + 8) * 8, (count + 8) * 8), 255)
    for column, row in cells:
        image.paste(0, ((column + 4) * 8, (row + 4) * 8, (column + 5) * 8, (row + 5) * 8))
    return image


@pytest.fixture
def certificate_pdf(app, make_user, certify):
    """(pdf bytes, certificate) for 欧阳娜娜 S00120, certified by the real rule."""
    public_id = certify(make_user(name="欧阳娜娜", employee_no="S00120"))
    with app.app_context():
        certificate = service.find_certificate(public_id)
        _ = certificate.revocation
        return documents.certificate_pdf(certificate), certificate


def test_pdf_is_a4_with_its_chinese_text_intact(certificate_pdf, rule):
    data, certificate = certificate_pdf
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (210, 297)
    text = extracted_text(data)
    for expected in (
        "高级销售技能认证",
        "欧阳娜娜",
        "工号：S00120",
        f"证书编号：{certificate.number}",
        "签发日期：2026-12-02",
    ):
        assert expected in text
    for index, key in enumerate(rule.required_cells, start=1):
        assert f"{cell_label(key)} 2026-11-0{index}" in text
    assert len(rule.required_cells) == 5


def test_pdf_embeds_the_shipped_font_and_nothing_from_the_system(certificate_pdf):
    data, _ = certificate_pdf
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = [font.get_object()["/BaseFont"] for font in fonts.values()]
    assert len(names) == 1 and names[0].endswith("+NotoSansCJKSC")
    descendant = fonts[next(iter(fonts))].get_object()["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded TrueType subset
    assert len(data) < 200_000


def test_qr_code_decodes_to_the_verification_url(app, certificate_pdf):
    data, certificate = certificate_pdf
    [barcode] = zxingcpp.read_barcodes(qr_image(data))
    with app.app_context():
        assert barcode.text == service.verification_url(certificate.public_id)
    assert barcode.text == f"http://lms.test/verify/{certificate.public_id}"
    assert barcode.text in extracted_text(data)


def test_public_base_url_is_what_the_qr_points_at(app, make_user, certify):
    app.config["PUBLIC_BASE_URL"] = "https://lms.example.com/"
    public_id = certify(make_user())
    with app.app_context():
        data = documents.certificate_pdf(service.find_certificate(public_id))
    [barcode] = zxingcpp.read_barcodes(qr_image(data))
    assert barcode.text == f"https://lms.example.com/verify/{public_id}"


def test_a_revoked_certificate_says_so_on_the_pdf(app, make_user, certify):
    public_id = certify(make_user())
    with app.app_context():
        certificate = service.find_certificate(public_id)
        service.revoke_certificate(certificate, "离职")
        assert "本证书已于 2026-12-02 撤销" in extracted_text(documents.certificate_pdf(certificate))


def test_font_covers_common_names_and_reports_what_it_cannot_draw():
    assert pdf.missing_characters("欧阳娜娜 王小明 张伟 李静 刘洋 陈杰 S00120 （）：·—") == ""
    assert pdf.missing_characters("王喆") == "喆"  # outside GB 2312: CERTIFICATE_FALLBACK_FONT draws it
