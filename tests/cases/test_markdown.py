"""lms.markdown: the trusted renderer, and the one sanitiser against known XSS payloads."""

import pytest
from markupsafe import Markup

from lms.markdown import render_markdown, render_user_markdown
from tests.cases.xss import PAYLOADS, problems


def test_trusted_markdown_has_tables_anchors_lists_and_code():
    html = render_markdown(
        "## 客户投诉\n\n| 等级 | 时限 |\n|:--|--:|\n| 严重 | 30分钟 |\n\n```python\nx = 1\n```\n\n1. 一\n2. 二"
    )
    assert isinstance(html, Markup)
    assert '<h2 id="客户投诉">客户投诉</h2>' in html
    assert '<th align="left">等级</th>' in html and "style=" not in html
    assert '<code class="language-python">' in html
    assert "<ol>" in html


def test_rendering_is_deterministic():
    text = "# 标题\n\n# 标题\n\n正文"
    assert render_markdown(text) == render_markdown(text)
    assert render_user_markdown(text) == render_user_markdown(text)
    assert 'id="user-content-标题_1"' in render_user_markdown(text)


def test_user_markdown_keeps_ordinary_formatting():
    html = render_user_markdown("**回款**提前 *两周*；[方案](https://example.com/a)\n\n- 一\n- 二\n\n> 引用\n\n`code`")
    assert "<strong>回款</strong>" in html and "<em>两周</em>" in html
    assert '<a href="https://example.com/a" rel="noopener noreferrer nofollow">方案</a>' in html
    assert "<ul>" in html and "<blockquote>" in html and "<code>code</code>" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_known_xss_payloads_are_neutralised(payload):
    html = render_user_markdown(payload)
    assert problems(str(html)) == [], html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_inside_markdown_structures(payload):
    text = f"# 标题 {payload}\n\n- {payload}\n\n| a |\n|---|\n| {payload} |\n\n> {payload}"
    assert problems(str(render_user_markdown(text))) == []


def test_the_checker_itself_catches_dangerous_markup():
    assert problems('<a href="javascript:alert(1)">x</a><p onclick="x">y</p><script></script>')
    assert problems(str(render_markdown("<script>alert(1)</script>")))  # trusted content is not sanitised
