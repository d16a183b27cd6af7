"""Lesson HTML, rendered once per (lesson hash, script) and kept in memory.

Rendering Markdown and converting scripts with OpenCC cost far more than
serving the page, and a lesson only changes when its hash does, so each
worker keeps a bounded cache keyed by the hash.
"""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import opencc
from markupsafe import Markup

from lms.markdown import render_markdown

SCRIPTS = {"hans": "简体", "hant": "繁體"}
CACHE_SIZE = 512
_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")

_lock = threading.Lock()
_cache: OrderedDict[tuple[str, str], RenderedLesson] = OrderedDict()
_converter = None
_simplifier = None


@dataclass(frozen=True)
class TocEntry:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class RenderedLesson:
    html: Markup
    toc: tuple[TocEntry, ...]


def _to_traditional(text: str) -> str:
    global _converter
    with _lock:  # one converter per process; OpenCC setup reads dictionaries
        if _converter is None:
            _converter = opencc.OpenCC("s2t")
        return _converter.convert(text)


def to_simplified(text: str) -> str:
    """`text` in Simplified characters, the script the course is written in (a 繁體 query → 简体)."""
    global _simplifier
    with _lock:
        if _simplifier is None:
            _simplifier = opencc.OpenCC("t2s")
        return _simplifier.convert(text)


def convert(text: str, script: str) -> str:
    """Any course text (written in 简体) in `script`; not cached, for texts that vary (snippets)."""
    return _to_traditional(text) if script == "hant" else text


@lru_cache(maxsize=4096)
def in_script(text: str, script: str) -> str:
    """Short texts (titles) in the reader's script."""
    return convert(text, script)


def _table_of_contents(rendered: str) -> tuple[TocEntry, ...]:
    return tuple(
        TocEntry(int(level), anchor, html.unescape(_TAG.sub("", inner)).strip())
        for level, anchor, inner in _HEADING.findall(rendered)
    )


def render_lesson(source_hash: str, body_md: Callable[[], str], script: str) -> RenderedLesson:
    """The lesson's HTML and table of contents in `script` ("hans" or "hant"), cached by hash.

    `body_md` is called only on a cache miss, so the caller need not load the Markdown.
    """
    key = (source_hash, script)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    markdown_text = body_md()
    source = _to_traditional(markdown_text) if script == "hant" else markdown_text
    rendered = render_markdown(source)
    result = RenderedLesson(html=Markup(rendered), toc=_table_of_contents(str(rendered)))
    with _lock:
        _cache[key] = result
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result
