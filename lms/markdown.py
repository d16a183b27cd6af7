"""The one configured Python-Markdown of the app, and the one sanitiser.

`render_markdown` is for course content authored in the repository (trusted).
`render_user_markdown` is for anything a person types: the same Markdown, then
an nh3 allow-list. Nothing else in the app turns Markdown into HTML.
"""

from __future__ import annotations

import re
import threading

import markdown as _markdown
import nh3
from markdown.extensions.toc import slugify_unicode
from markupsafe import Markup

# `use_align_attribute`: table alignment as `align=…`, because the CSP forbids
# inline style attributes. `slugify_unicode` keeps Chinese heading anchors.
_EXTENSIONS = ["tables", "toc", "sane_lists", "fenced_code"]
_EXTENSION_CONFIGS = {
    "tables": {"use_align_attribute": True},
    "toc": {"slugify": slugify_unicode, "permalink": False},
}

USER_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "small", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
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
        md = _local.md = _markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return md


def _convert(text: str) -> str:
    md = _converter()
    try:
        return md.convert(text or "")
    finally:
        md.reset()


def render_markdown(text: str) -> Markup:
    """Render trusted course Markdown (from the repository) to HTML."""
    return Markup(_convert(text))


def sanitize_html(html: str) -> str:
    """Pass HTML through the app's one allow-list sanitiser."""
    return nh3.clean(html, **_CLEAN_OPTIONS)


def render_user_markdown(text: str) -> Markup:
    """Render Markdown typed by a person, then sanitise it with the allow-list."""
    return Markup(sanitize_html(_convert(text)))
