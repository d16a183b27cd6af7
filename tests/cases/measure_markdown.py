"""Print the CPU time of one render of the worst input we could build of each Markdown family.

    .venv/bin/python tests/cases/measure_markdown.py

Every input is one case part of the allowed size (PART_MAX characters).
Best of three runs, CPU time (time.process_time), so that other processes
on the machine count less. Not collected by pytest (test_markdown_cost.py
asserts the bound for the families that used to cost seconds).
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lms.cases.service import PART_MAX  # noqa: E402
from lms.markdown import render_user_markdown  # noqa: E402


def fill(unit: str, tail: str = "") -> str:
    """`unit` repeated to PART_MAX characters (ending with `tail`)."""
    return (unit * (PART_MAX // len(unit) + 1))[: PART_MAX - len(tail)] + tail


FAMILIES = {
    "[ × N": fill("["),
    "![ × N": fill("!["),
    "[ per line": fill("[\n"),
    "[a]( × N": fill("[a]("),
    '[a](" × N': fill('[a]("'),
    "[x][ × N": fill("[x]["),
    "[[…]] nested": "[" * (PART_MAX // 2) + "]" * (PART_MAX // 2),
    "[a](b) × N": fill("[a](b) "),
    "*[ × N": fill("*["),
    "_[ × N": fill("_["),
    "[< × N": fill("[<"),
    "* × N": fill("*"),
    "_ × N": fill("_"),
    "*a × N": fill("*a"),
    "**a* × N": fill("**a*"),
    "a* × N": fill("a*"),
    "***a × N": fill("***a"),
    "_a × N": fill("_a"),
    "> × N": fill(">"),
    "'> ' × N": fill("> "),
    "1. × N (one line)": fill("1. "),
    "- × N (one line)": fill("- "),
    "8 nested lists a line": fill("- " * 8 + "x\n"),
    "indented lists": "".join("    " * i + "- x\n" for i in range(48)),
    "< × N": fill("<"),
    "<a × N": fill("<a "),
    "<! × N": fill("<!"),
    "<? × N": fill("<?"),
    "</ × N": fill("</"),
    "<a … > (closed)": fill("<a ", ">"),
    "<b> × N": fill("<b>"),
    "` × N": fill("`"),
    "`a × N": fill("`a"),
    "``` lines": fill("```\n"),
    "~~~ lines": fill("~~~\n"),
    "table rows": "|a|b|\n|-|-|\n" + fill("|x|y|\n")[:-12],
    "# lines": fill("# \n"),
    "setext headings": fill("a\n=\n"),
    "\\ × N": fill("\\"),
    "& × N": fill("&"),
    "&amp; × N": fill("&amp;"),
    "<http://a × N": fill("<http://a"),
}


def cpu_seconds(text: str) -> float:
    """Best of three CPU times of one render."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        render_user_markdown(text)
        best = min(best, time.process_time() - start)
    return best


if __name__ == "__main__":
    render_user_markdown("warm up")
    results = {name: cpu_seconds(text) for name, text in FAMILIES.items()}
    for name, seconds in sorted(results.items(), key=lambda item: -item[1]):
        print(f"{seconds * 1000:7.1f} ms  {name}")
    print(f"worst: {max(results.values()) * 1000:.1f} ms over {len(results)} families of {PART_MAX} characters")
