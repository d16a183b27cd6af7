"""One policy for hostile input, applied to every request before any view runs.

A view should never have to ask whether its input is sane. So, at the edge:

- an integer in a URL (`<int:…>`) that no row can have (beyond the 32-bit
  `Integer` every id column is on PostgreSQL) does not match the route: 404;
- a page number (`?page=`, or a form's `page`) beyond any real list is 404
  too, so no `db.paginate` caller can overflow OFFSET;
- control characters (NUL and the other C0 characters; tab, CR and LF only
  where text may hold them) in the path, the query string, form fields, file
  names or JSON strings are refused with 400: PostgreSQL cannot store NUL and
  SQLite would store it silently;
- JSON nested deeper than `MAX_JSON_DEPTH` is refused with 400 instead of
  running into RecursionError.

Refusals use the app's Chinese error pages (JSON for JSON clients).
`parse_id` is the same integer bound for ids that arrive inside a body (the
exam autosave's answer keys).
"""

from __future__ import annotations

import re

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, ValidationError

from lms.errors import render_error

# The largest value of PostgreSQL's `integer` (and so of every id column).
MAX_ID = 2**31 - 1
# Far beyond any list's last page; keeps OFFSET inside a 64-bit integer.
MAX_PAGE = 100_000
MAX_JSON_DEPTH = 32
# C0 controls except tab, LF and CR, which typed text may hold.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# In a path, a query-string key or a file name nothing below 0x20 belongs.
_CONTROL_ANYWHERE = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,10}")

CONTROL_MESSAGE = "提交的内容含有不允许的控制字符（例如 NUL），请删除后重试。"
JSON_DEPTH_MESSAGE = f"提交的 JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）。"


class JSONTooDeep(ValueError):
    """A JSON document nests deeper than the parser can take."""


class BoundedIntConverter(IntegerConverter):
    """Flask's `int` converter, bounded by default to what an id column can hold.

    A longer digit string is refused before int() sees it: Python refuses to
    convert more than 4,300 digits, and nothing beyond MAX_ID can match a row.
    """

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max if self.max is not None else MAX_ID)) + 1:
            raise ValidationError()
        return super().to_python(value)


class BoundedJSONProvider(DefaultJSONProvider):
    """The default JSON provider, turning too-deep nesting into a ValueError (a 400, never a 500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeep(JSON_DEPTH_MESSAGE) from None


def parse_id(value) -> int:
    """An id given as a string or int inside a request body; ValueError unless 0..MAX_ID."""
    if isinstance(value, bool):
        raise ValueError("not an id")
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise ValueError("not an id")
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ValueError("not an id")
    return value


def json_problem(data, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a parsed JSON document is refused (too deep, control characters), or None.

    Iterative, so a document just short of the parser's own limit cannot
    exhaust the stack here either.
    """
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _CONTROL_IN_TEXT.search(node):
                return CONTROL_MESSAGE
        elif isinstance(node, (dict, list)):
            if depth > max_depth:
                return JSON_DEPTH_MESSAGE
            if isinstance(node, dict):
                for key, value in node.items():
                    if _CONTROL_ANYWHERE.search(key):
                        return CONTROL_MESSAGE
                    stack.append((value, depth + 1))
            else:
                stack.extend((value, depth + 1) for value in node)
    return None


def _query_problem() -> str | None:
    if _CONTROL_ANYWHERE.search(request.path):
        return CONTROL_MESSAGE
    for key, value in request.args.items(multi=True):
        if _CONTROL_ANYWHERE.search(key) or _CONTROL_IN_TEXT.search(value):
            return CONTROL_MESSAGE
    return None


def _body_problem() -> str | None:
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if _CONTROL_ANYWHERE.search(key) or _CONTROL_IN_TEXT.search(value):
                return CONTROL_MESSAGE
        for upload in request.files.values():
            if upload.filename and _CONTROL_ANYWHERE.search(upload.filename):
                return CONTROL_MESSAGE
    elif request.is_json and request.content_length != 0:
        try:
            data = current_app.json.loads(request.get_data(cache=True))
        except JSONTooDeep:
            return JSON_DEPTH_MESSAGE
        except ValueError:
            return None  # malformed JSON: the view answers it, as it always has
        return json_problem(data)
    return None


def _too_far_page() -> bool:
    """`page` (or `per_page`), in the query or a form, larger than any list can be: the page cannot exist."""
    for values in (request.args, request.form):
        for name in ("page", "per_page"):
            value = values.get(name, "")
            if value.isdigit() and (len(value) > 6 or int(value) > MAX_PAGE):
                return True
    return False


def _refuse_hostile_input():
    problem = _query_problem() or _body_problem()
    if problem:
        return render_error(400, problem)
    if _too_far_page():
        return render_error(404)
    return None


def init_app(app: Flask) -> None:
    """Install the bounded `int` converter, the bounded JSON parser and the input checks.

    Call before any route is added (the converter is looked up when a rule is
    bound), and before other `before_request` hooks, so that nothing else
    reads a refused request.
    """
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(_refuse_hostile_input)
