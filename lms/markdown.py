"""The one configured Python-Markdown of the app, and the one sanitiser.

`render_markdown` is for course content authored in the repository (trusted).
`render_user_markdown` is for anything a person types: the same Markdown, then
an nh3 allow-list. Nothing else in the app turns Markdown into HTML.

Every conversion has a bounded cost (`BoundedCost`). Python-Markdown is
quadratic on some inputs a person can type into one 5,000-character case
part (times: CPU of one render on the shared 2-core test machine):

- each `[` (and `![`) makes the link, image and reference processors scan
  forward for its `]`, and after `](` for its `)`: to the end of the
  paragraph when there is none. 4,999 `[` took 7.8 s. A conversion now has
  a budget of LINK_SCAN_BUDGET characters for these scans; once it is spent,
  the remaining brackets stay literal text. Ordinary text spends a few
  thousand.
- each `<` with no `>` after it makes the HTML block parser (the standard
  library's HTMLParser) scan to the end: `<a ` × 1,666 took 0.6 s. Such a
  `<` can start no tag; it is set aside before parsing and written as the
  `&lt;` it renders as anyway.
- a block of one-line headings is offered, line by line, to processors that
  search the whole rest of the block (tables, `#` headings, rules): 2,500
  headings took 1.3 s. Those searches no longer repeat on what they already
  searched.
- each container marker at the start of a line (`>`, `-`, `1.`) opens one
  more nested block: 1,666 × `1. ` overflowed the stack (a 500), 4,999 `>`
  took 0.16 s. Nesting beyond MAX_NESTING on one line is escaped, so the
  rest of the line is text.
Should anything still exhaust the stack, the text is shown escaped, as plain
paragraphs, rather than failing the page. Output is otherwise unchanged: the
course and 3,000 random bracket-heavy snippets render byte for byte as before.
What remains is linear in the number of elements; the worst we could build,
5,000 characters of one-line headings, takes about 0.17 s there (and case
pages no longer render at all: versions store their HTML when saved).
`python tests/cases/measure_markdown.py` prints every family's figure.
"""

from __future__ import annotations

import html
import re
import threading

import markdown as _markdown
import nh3
from markdown import blockprocessors, inlinepatterns
from markdown.extensions import Extension
from markdown.extensions.tables import PIPE_LEFT, PIPE_NONE, PIPE_RIGHT, TableProcessor
from markdown.extensions.toc import slugify_unicode
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

# `use_align_attribute`: table alignment as `align=…`, because the CSP forbids
# inline style attributes. `slugify_unicode` keeps Chinese heading anchors.
_EXTENSIONS = ["tables", "toc", "sane_lists", "fenced_code"]
_EXTENSION_CONFIGS = {
    "tables": {"use_align_attribute": True},
    "toc": {"slugify": slugify_unicode, "permalink": False},
}

USER_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
USER_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
USER_URL_SCHEMES = {"http", "https", "mailto"}
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]{1,32}")
_ALIGN_VALUES = {"left", "center", "right"}
USER_ID_PREFIX = "user-content-"

_local = threading.local()

# Characters the link, image and reference processors may scan per conversion.
LINK_SCAN_BUDGET = 50_000
# Block containers (blockquote, list item) one line may open.
MAX_NESTING = 8
_CONTAINER_MARKER = re.compile(r"[ ]{0,3}(?:>|[-+*](?=[ \t])|[0-9]{1,9}[.)](?=[ \t]))[ \t]*")


class _Budget:
    """What is left of a conversion's LINK_SCAN_BUDGET (shared by all bracket processors)."""

    def __init__(self) -> None:
        self.left = LINK_SCAN_BUDGET


def _bounded(processor_class):
    """A subclass of a link/image/reference processor whose bracket scans draw on the budget.

    Within the budget it returns exactly what the original returns; a scan
    that would run past the budget is refused, leaving the bracket literal.
    """

    class Bounded(processor_class):
        def getText(self, data: str, index: int):
            budget = self.md.bounded_cost.budget
            end = min(len(data), index + budget.left)
            count, pos = 1, index
            while pos < end:  # the original loop, stopped at the budget
                char = data[pos]
                if char == "]":
                    count -= 1
                    if count == 0:
                        break
                elif char == "[":
                    count += 1
                pos += 1
            budget.left -= pos - index
            if count == 0:
                return data[index:pos], pos + 1, True
            if end < len(data):
                budget.left = 0
            return data[index:pos], pos, False

        def getLink(self, data: str, index: int):
            budget = self.md.bounded_cost.budget
            if len(data) - index <= budget.left:
                result = super().getLink(data, index)
                budget.left -= result[2] - index if result[3] else len(data) - index
                return result
            # Past the budget the original's answer is not known without the full scan.
            budget.left = 0
            return "", None, index, False

    Bounded.__name__ = f"Bounded{processor_class.__name__}"
    return Bounded


_BOUNDED_PROCESSORS = {
    "reference": inlinepatterns.ReferenceInlineProcessor,
    "link": inlinepatterns.LinkInlineProcessor,
    "image_link": inlinepatterns.ImageInlineProcessor,
    "image_reference": inlinepatterns.ImageReferenceInlineProcessor,
    "short_reference": inlinepatterns.ShortReferenceInlineProcessor,
    "short_image_ref": inlinepatterns.ShortImageReferenceInlineProcessor,
}


# Stands in for a `<` that no `>` follows until the output is written (a private-use character).
_LITERAL_LT = "\ue000"


class _LimitNesting(Preprocessor):
    """Escape what would open more than MAX_NESTING blocks on one line; set aside dangling `<`.

    A `<` with no `>` after it can start no tag, so it renders as `&lt;`
    wherever it stands, code included; _RestoreLt writes exactly that. Runs
    after fenced code is stashed, so fenced code is never touched.
    """

    def run(self, lines: list[str]) -> list[str]:
        lines = [self._limit(line) for line in lines]
        text = "\n".join(lines)
        last_gt = text.rfind(">")
        if "<" in text[last_gt + 1 :]:
            return (text[: last_gt + 1] + text[last_gt + 1 :].replace("<", _LITERAL_LT)).split("\n")
        return lines

    @staticmethod
    def _limit(line: str) -> str:
        pos = 0
        for _level in range(MAX_NESTING):
            marker = _CONTAINER_MARKER.match(line, pos)
            if not marker or marker.end() == pos:
                return line
            pos = marker.end()
        excess = _CONTAINER_MARKER.match(line, pos)
        if not excess or excess.end() == pos:
            return line
        start = excess.start() + len(excess.group()) - len(excess.group().lstrip(" "))
        return line[:start] + "\\" + line[start:] if line[start] in ">-+*" else _escape_number(line, start)


class _RestoreLt(Postprocessor):
    """Write the `<` set aside by _LimitNesting as the `&lt;` it would have rendered as."""

    def run(self, text: str) -> str:
        return text.replace(_LITERAL_LT, "&lt;")


def _remembers_misses(processor_class):
    """A block processor whose whole-block search test skips what an earlier search already missed.

    The parser hands back the rest of a block after each heading; a rest that
    starts at a line of a block the search found nothing in holds nothing
    either (the patterns match at line starts), so the answer is the same.
    """

    class Remembering(processor_class):
        _missed = ""

        def test(self, parent, block: str) -> bool:
            missed = self._missed
            if (len(block) < len(missed) and missed[-len(block) - 1] == "\n" and missed.endswith(block)) or (
                block == missed
            ):
                return False
            found = super().test(parent, block)
            if not found:
                self._missed = block
            return found

    Remembering.__name__ = f"Remembering{processor_class.__name__}"
    return Remembering


def _escape_number(line: str, start: int) -> str:
    """`12. ` → `12\\. `: an ordered-list marker made text."""
    digits = re.match(r"[0-9]+", line[start:]).end()
    return line[: start + digits] + "\\" + line[start + digits :]


class _Table(TableProcessor):
    """The tables extension's processor, testing a block without splitting all of it into lines.

    The block parser offers each remainder of a block to every processor; the
    original test split the whole remainder each time, which made a block of
    2,500 one-line headings quadratic (1.3 s). Same answer, same state set.
    """

    def test(self, parent, block: str) -> bool:
        first, newline, rest = block.partition("\n")
        if not newline:
            return False
        header0 = first.strip(" ")
        self.border = PIPE_NONE
        if header0.startswith("|"):
            self.border |= PIPE_LEFT
        if self.RE_END_BORDER.search(header0) is not None:
            self.border |= PIPE_RIGHT
        row0_len = len(self._split_row(header0))
        is_table = row0_len > 1
        if not is_table and row0_len == 1 and self.border:
            # Each row of a one-column table needs a pipe; stop at the first that has none.
            for line in _lines(rest):
                line = line.strip(" ")
                is_table = line.startswith("|") or self.RE_END_BORDER.search(line) is not None
                if not is_table:
                    break
        if is_table:
            row = self._split_row(rest.partition("\n")[0].strip(" "))
            is_table = len(row) == row0_len and set("".join(row)) <= set("|:- ")
            if is_table:
                self.separator = row
        return is_table


def _lines(text: str):
    """The lines of `text`, one at a time."""
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _priorities(registry) -> dict[str, float]:
    """Name → priority of a Python-Markdown registry, to replace an item in its place."""
    return {item.name: item.priority for item in registry._priority}


class BoundedCost(Extension):
    """Bounds the cost of one conversion (see the module docstring)."""

    def extendMarkdown(self, md: _markdown.Markdown) -> None:
        md.bounded_cost = self
        self.budget = _Budget()
        md.registerExtension(self)
        priorities = _priorities(md.inlinePatterns)
        for name, processor_class in _BOUNDED_PROCESSORS.items():
            original = md.inlinePatterns[name]
            md.inlinePatterns.register(_bounded(processor_class)(original.pattern, md), name, priorities[name])
        md.preprocessors.register(_LimitNesting(md), "lms_limit_nesting", 22)
        md.postprocessors.register(_RestoreLt(md), "lms_restore_lt", 5)
        for name, processor_class in (
            ("hashheader", blockprocessors.HashHeaderProcessor),
            ("hr", blockprocessors.HRProcessor),
        ):
            priority = _priorities(md.parser.blockprocessors)[name]
            md.parser.blockprocessors.register(_remembers_misses(processor_class)(md.parser), name, priority)
        if "table" in md.parser.blockprocessors:
            table = md.parser.blockprocessors["table"]
            md.parser.blockprocessors.register(_Table(md.parser, table.config), "table", 75)

    def reset(self) -> None:
        self.budget = _Budget()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Keep only the attribute values the allow-list expects (never raises)."""
    if attribute == "class":
        return value if tag == "code" and _LANGUAGE_CLASS.fullmatch(value) else None
    if attribute == "start":
        return value if value.isdigit() and len(value) <= 6 else None
    if attribute == "id":
        # Anchors written by people must not collide with the page's own ids.
        return value if value.startswith(USER_ID_PREFIX) else USER_ID_PREFIX + value
    return value


_CLEAN_OPTIONS = dict(
    tags=USER_TAGS,
    clean_content_tags={"script", "style"},
    attributes=USER_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    tag_attribute_values={"th": {"align": _ALIGN_VALUES}, "td": {"align": _ALIGN_VALUES}},
    url_schemes=USER_URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def _converter() -> _markdown.Markdown:
    # A Markdown instance keeps state between calls and is not thread-safe:
    # one per thread, reset after every conversion, keeps output deterministic.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _markdown.Markdown(
            extensions=[*_EXTENSIONS, BoundedCost()], extension_configs=_EXTENSION_CONFIGS
        )
    return md


def _convert(text: str) -> str:
    md = _converter()
    try:
        return md.convert((text or "").replace(_LITERAL_LT, "\ufffd"))
    except RecursionError:
        # Nesting the limits above do not foresee: show the text, not a 500.
        return "".join(f"<p>{html.escape(part)}</p>\n" for part in (text or "").split("\n\n") if part.strip())
    finally:
        md.reset()


def render_markdown(text: str) -> Markup:
    """Render trusted course Markdown (from the repository) to HTML."""
    return Markup(_convert(text))


def sanitize_html(html: str) -> str:
    """Pass HTML through the app's one allow-list sanitiser."""
    return nh3.clean(html, **_CLEAN_OPTIONS)


# Python-Markdown's cost grows with the number of lines (blocks) times their nesting; a
# 5,000-character part of one-line headings or 8-deep lists cost 130-170 ms with no line
# limit (tests/cases/measure_markdown.py). Within 200 lines every family stays under 100 ms.
MAX_USER_LINES = 200


def render_user_markdown(text: str) -> Markup:
    """Render Markdown typed by a person, then sanitise it with the allow-list.

    Lines past MAX_USER_LINES are shown as escaped plain text, not parsed, so
    no input costs more than the bound (forms refuse such input first).
    """
    lines = (text or "").split("\n")
    head, rest = "\n".join(lines[:MAX_USER_LINES]), lines[MAX_USER_LINES:]
    rendered = sanitize_html(_convert(head))
    if rest:
        rendered += "<pre>" + html.escape("\n".join(rest)) + "</pre>"
    return Markup(rendered)
