"""How NotoSansSC-GB2312.ttf was made (run by hand; not imported): python make_font.py NotoSansCJK-Regular.ttc

Input: Noto Sans CJK Regular (OFL), e.g. Debian's fonts-noto-cjk
/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, face 2 (SC).
1. Subset to GB 2312 (every character the gb2312 codec decodes), ASCII, Latin-1, general punctuation,
   CJK punctuation and full-width forms: 7,904 characters.
2. Convert the CFF outlines to TrueType quadratics (cu2qu): fpdf2 writes wrong glyph widths (/W)
   for a CID-keyed CFF font, so text extracted from the PDF came apart; with glyf outlines it is exact.
3. Drop the layout and vertical tables fpdf2 does not use (GSUB, GPOS, GDEF, BASE, vhea, vmtx).
Result: about 4.0 MB; a certificate PDF embeds only the glyphs it uses (about 20 KB).
"""

import contextlib
import sys

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable


def characters() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # GB 2312 leaves some codes unassigned
                chars.add(ord(bytes([high, low]).decode("gb2312")))
    return chars


def main(collection: str, out: str = "NotoSansSC-GB2312.ttf") -> None:
    font = TTCollection(collection).fonts[2]
    options = subset.Options()
    options.name_IDs = ["*"]
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    order, glyphs = font.getGlyphOrder(), font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"], font["glyf"] = newTable("loca"), glyf
    for table in ("CFF ", "VORG", "GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "DSIG"):
        if table in font:
            del font[table]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attribute in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attribute, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(out)


if __name__ == "__main__":
    main(*sys.argv[1:])
