"""The question-type names are spelled only in lms/question_types and templates/question_types:
everything else asks the registry (issue 12, 6: 19 branches in 8 modules and 2 templates before)."""

import re
from pathlib import Path

import lms

ROOT = Path(lms.__file__).parent
TYPE_NAME = re.compile(r"""["'](single|multiple|true_false|short|numeric)["']""")
OWNERS = (Path("question_types"), Path("templates") / "question_types")
# The bank check's answer-clustering rules (issue 12, 1) are about single-choice positions and the
# true/false balance by definition; they live with the check, not with a type.
ALLOWED = {Path("question_bank") / "check.py"}


def spelled_outside_the_registry(root: Path) -> list[str]:
    """file:line: text of every .py or .html line under `root` that spells a type name, owners excepted."""
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix not in (".py", ".html") or relative in ALLOWED or any(o in relative.parents for o in OWNERS):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TYPE_NAME.search(line):
                found.append(f"{relative.as_posix()}:{number}: {line.strip()}")
    return found


def test_no_module_or_template_outside_the_registry_branches_on_a_type_name():
    assert spelled_outside_the_registry(ROOT) == []


def test_the_search_finds_branches_in_modules_and_templates(tmp_path):
    (tmp_path / "exams").mkdir()
    (tmp_path / "exams" / "grading.py").write_text('def f(q):\n    return q.type == "numeric"\n', encoding="utf-8")
    (tmp_path / "templates" / "question_types" / "single").mkdir(parents=True)
    (tmp_path / "templates" / "question_types" / "single" / "take.html").write_text("{{ 'single' }}")
    (tmp_path / "templates" / "q.html").write_text("{% if rep.type in ('single', 'true_false') %}")
    assert spelled_outside_the_registry(tmp_path) == [
        'exams/grading.py:2: return q.type == "numeric"',
        "templates/q.html:1: {% if rep.type in ('single', 'true_false') %}",
    ]
