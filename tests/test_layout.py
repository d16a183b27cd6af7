"""The layout's promises: pure modules import no Flask, and feature packages import no views."""

import subprocess
import sys
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parents[1] / "lms"
PURE_MODULES = (
    "lms.clock",
    "lms.domain",
    "lms.sync",
    "lms.skills",
    "lms.guidebuild.build",
    "lms.courses.loader",
    "lms.question_bank.loader",
    "lms.question_bank.gift",
    "lms.question_types",
    "lms.exams.definitions",
    "lms.exams.scoring",
    "lms.onboarding.program",
    "lms.tracks.loader",
)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_imports_no_flask_and_no_database(module):
    # A fresh interpreter: this test process has imported Flask long ago.
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')"
    probe += " or m == 'lms.extensions'))"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]", f"{module} pulls in {found}"


def test_feature_packages_import_nothing_so_the_factory_registers_the_blueprints():
    for init in sorted(LMS.glob("*/__init__.py")):
        code = [line for line in init.read_text(encoding="utf-8").splitlines() if line.startswith(("from ", "import "))]
        if init.parent.name in ("models", "question_types", "guidebuild"):
            continue  # these re-export their own parts (models for Alembic, the type registry, GuideError)
        assert code == [], f"{init.relative_to(LMS.parent)} imports {code}"
