"""The certificate as an A4 PDF: name, employee number, the five dimensions with dates, number, QR code (pure).

The Chinese text is set in a font the package ships (`fonts/NotoSansSC-GB2312.ttf`,
Noto Sans CJK SC under the SIL OFL, subset to GB 2312: about 3 MB in the
package), so the PDF is right on a machine with no CJK font installed and after
`pip install` alone; fpdf2 embeds only the glyphs a certificate uses (the PDF
stays around 100 KB). A name with a character outside GB 2312 falls back to
CERTIFICATE_FALLBACK_FONT when one is configured (any TTF/OTF with the
character); without it that character shows as a blank box, and
`missing_characters` lets the caller warn about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF

FONT_FILE = Path(__file__).with_name("fonts") / "NotoSansSC-GB2312.ttf"
FONT = "NotoSansSC"
FALLBACK_FONT = "Fallback"


@dataclass(frozen=True)
class CertificatePage:
    """What the PDF shows."""

    title: str
    holder_name: str
    employee_no: str
    number: str
    issued_on: str  # YYYY-MM-DD
    issuer_name: str
    cells: tuple[tuple[str, str], ...]  # (label 「客户沟通技巧·高级」, "YYYY-MM-DD")
    verification_url: str
    revoked_note: str = ""


@cache
def font_characters() -> frozenset[int]:
    """The code points the shipped font covers."""
    font = TTFont(FONT_FILE, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def missing_characters(text: str) -> str:
    """The characters of `text` the shipped font cannot draw."""
    covered = font_characters()
    return "".join(sorted({char for char in text if ord(char) not in covered and not char.isspace()}))


def qr_matrix(url: str) -> segno.QRCode:
    """The QR code of the verification URL (error correction M), as the PDF draws it."""
    return segno.make_qr(url, error="m")


def render_pdf(page: CertificatePage, fallback_font: str | None = None) -> bytes:
    """The certificate PDF's bytes (A4 portrait)."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"{page.title} {page.number}")
    pdf.set_author(page.issuer_name)
    pdf.set_creator("lms")
    pdf.add_font(FONT, fname=str(FONT_FILE))
    if fallback_font:
        pdf.add_font(FALLBACK_FONT, fname=fallback_font)
        pdf.set_fallback_fonts([FALLBACK_FONT])
    pdf.set_auto_page_break(False)
    pdf.add_page()
    _frame(pdf)
    _heading(pdf, page)
    _cells_table(pdf, page)
    _footer(pdf, page)
    return bytes(pdf.output())


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(176, 141, 87)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, 184, 271)


def _heading(pdf: FPDF, page: CertificatePage) -> None:
    pdf.set_text_color(40, 40, 40)
    pdf.set_font(FONT, size=30)
    pdf.set_xy(20, 35)
    pdf.cell(170, 16, page.title, align="C")
    pdf.set_font(FONT, size=12)
    pdf.set_xy(20, 55)
    pdf.cell(170, 8, f"证书编号：{page.number}", align="C")
    pdf.set_font(FONT, size=14)
    pdf.set_xy(25, 75)
    pdf.cell(160, 10, "兹证明", align="L")
    pdf.set_font(FONT, size=24)
    pdf.set_xy(25, 88)
    pdf.cell(160, 14, page.holder_name, align="C")
    pdf.set_font(FONT, size=12)
    pdf.set_xy(25, 103)
    pdf.cell(160, 8, f"工号：{page.employee_no}", align="C")
    pdf.set_font(FONT, size=13)
    pdf.set_xy(25, 116)
    pdf.multi_cell(160, 8, f"已达成下列技能级别，经{page.issuer_name}认证，特发此证。", align="L")


def _cells_table(pdf: FPDF, page: CertificatePage) -> None:
    pdf.set_font(FONT, size=12)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    top = 138
    pdf.set_fill_color(245, 240, 230)
    pdf.set_xy(30, top)
    pdf.cell(100, 9, "技能维度与级别", border=1, fill=True)
    pdf.cell(50, 9, "达成日期", border=1, fill=True, align="C")
    for index, (label, day) in enumerate(page.cells, start=1):
        pdf.set_xy(30, top + 9 * index)
        pdf.cell(100, 9, label, border=1)
        pdf.cell(50, 9, day, border=1, align="C")


def _footer(pdf: FPDF, page: CertificatePage) -> None:
    pdf.set_font(FONT, size=12)
    pdf.set_xy(30, 215)
    pdf.cell(100, 8, f"签发日期：{page.issued_on}")
    pdf.set_xy(30, 224)
    pdf.cell(100, 8, f"签发：{page.issuer_name}")
    pdf.set_font(FONT, size=9)
    pdf.set_xy(30, 236)
    pdf.multi_cell(105, 5, f"扫描右侧二维码或访问以下地址核验本证书：\n{page.verification_url}")
    if page.revoked_note:
        pdf.set_text_color(180, 30, 30)
        pdf.set_font(FONT, size=14)
        pdf.set_xy(30, 200)
        pdf.cell(150, 9, page.revoked_note)
        pdf.set_text_color(40, 40, 40)
    _qr(pdf, page.verification_url, x=145, y=212, size=40)


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as filled squares (vector: sharp at any zoom, no image library needed)."""
    matrix = [list(row) for row in qr_matrix(url).matrix]
    border = 2
    modules = len(matrix) + 2 * border
    module = size / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for column_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    x + (column_index + border) * module, y + (row_index + border) * module, module, module, style="F"
                )
