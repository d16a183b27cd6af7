"""Bad input stops the build with a clear error and leaves content/ untouched."""

from __future__ import annotations

import pytest

from lms.guidebuild.build import build_course
from lms.guidebuild.errors import GuideError
from lms.guidebuild.source import guide_body, read_source


def _snapshot(folder):
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def existing(tmp_path, built):
    """An output folder that already holds a course, to prove it survives a failed build."""
    import shutil

    out = tmp_path / "content"
    shutil.copytree(built, out)
    (out / "README.txt").write_text("kept\n", encoding="utf-8")
    return out


def _fails(source, out, hints, match):
    before = _snapshot(out)
    with pytest.raises(GuideError, match=match):
        build_course(source, out, hints)
    assert _snapshot(out) == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".content.build-")]


def test_missing_source(existing, hints):
    _fails(hints / "nope.txt", existing, hints, "source file not found")


def test_empty_source(existing, hints):
    (hints / "guide.txt").write_bytes(b" \n\n")
    _fails(hints / "guide.txt", existing, hints, "source file is empty")


@pytest.mark.parametrize("encoding", ["gbk", "big5", "utf-16"])
def test_source_in_another_encoding(existing, hints, encoding):
    text = (hints / "guide.txt").read_text(encoding="utf-8")
    (hints / "guide.txt").write_bytes(text.encode(encoding, errors="replace"))
    _fails(hints / "guide.txt", existing, hints, r"guide\.txt:\d+: not UTF-8 text .*offset")


def test_garbled_place_without_erratum(existing, hints):
    errata = hints / "errata.yaml"
    lines = errata.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if '"隊?wèi)?yīng)主動' in line) - 1
    del lines[start : start + 4]  # the entry for 2.2 "销售团队应主动向客户明确告知"
    errata.write_text("\n".join(lines), encoding="utf-8")
    _fails(hints / "guide.txt", existing, hints, r"clause 2\.2, body offset \d+: ….*隊\?wèi\)\?yīng\)主動")


def test_stale_erratum(existing, hints):
    errata = hints / "errata.yaml"
    errata.write_text(
        errata.read_text(encoding="utf-8") + '  - clause: "1.1"\n    garbled: "不在指南里的字"\n    repaired: "x"\n',
        encoding="utf-8",
    )
    _fails(hints / "guide.txt", existing, hints, r"errata\.yaml:\d+: garbled text '不在指南里的字' not found")


def test_erratum_in_the_wrong_clause(existing, hints):
    errata = hints / "errata.yaml"
    text = errata.read_text(encoding="utf-8").replace(
        '- clause: "1.2"\n    garbled: "以確', '- clause: "1.3"\n    garbled: "以確', 1
    )
    errata.write_text(text, encoding="utf-8")
    _fails(hints / "guide.txt", existing, hints, r"entry says clause 1\.3 but its text is in clause 1\.2")


def test_table_hint_that_changes_the_text(existing, hints):
    tables = hints / "tables.yaml"
    tables.write_text(tables.read_text(encoding="utf-8").replace("| 罚款、解雇", "| 罚款、开除"), encoding="utf-8")
    _fails(hints / "guide.txt", existing, hints, r"tables\.yaml:\d+: table '保护公司利益' \(clause 2\)")


def test_heading_hint_not_in_the_guide(existing, hints):
    structure = hints / "structure.yaml"
    structure.write_text(
        structure.read_text(encoding="utf-8").replace("## (二)适用范围", "## (二)使用范围"), encoding="utf-8"
    )
    _fails(hints / "guide.txt", existing, hints, r"structure\.yaml:\d+: hint text '\(二\)使用范围' not found")


def test_site_chrome_is_cut(hints):
    body = guide_body(read_source(hints / "guide.txt"))
    assert body.startswith("銷售團(tuán)隊日常行為")
    assert body.endswith("對于連續(xù)兩個季度未")
    for chrome in ("文檔簡介", "溫馨提示", "下載本文檔", "提交評論", "第1頁"):
        assert chrome not in body


def test_missing_chrome_marker(hints):
    text = (hints / "guide.txt").read_text(encoding="utf-8").replace("文檔簡介", "")
    (hints / "guide.txt").write_text(text, encoding="utf-8")
    with pytest.raises(GuideError, match="body start marker"):
        guide_body(read_source(hints / "guide.txt"))
