"""Build time, as a ratio to one Python-Markdown render of the whole guide (target ≤ 20)."""

from __future__ import annotations

import time

import markdown

from lms.guidebuild.build import build_course

from .conftest import GUIDE, SOURCE_DIR


def _best_of(runs: int, action) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def test_build_time_ratio(tmp_path):
    guide = GUIDE.read_text(encoding="utf-8")
    render = _best_of(5, lambda: markdown.markdown(guide, extensions=["tables"]))
    build = _best_of(5, lambda: build_course(GUIDE, tmp_path / "content", SOURCE_DIR))
    ratio = build / render
    print(
        f"\nbuild {build * 1000:.1f} ms, one Markdown render of the guide {render * 1000:.1f} ms: "
        f"ratio {ratio:.1f} (target ≤ 20)"
    )
    assert ratio <= 20
