"""Fixtures for the guide build: the committed inputs, a fresh build, the cleaned guide.

None of them needs a Flask app. The fresh build is made once per test run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms.courses.loader import load_course
from lms.guidebuild.build import build_course
from lms.guidebuild.clean import clean_guide
from lms.guidebuild.errata import load_errata
from lms.guidebuild.source import guide_body, read_source

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
SOURCE_DIR = CONTENT / "source"
GUIDE = SOURCE_DIR / "guide.txt"


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A fresh build of the committed inputs, in a temporary folder."""
    out = tmp_path_factory.mktemp("build") / "content"
    build_course(GUIDE, out, SOURCE_DIR)
    return out


@pytest.fixture(scope="session")
def course(built):
    """The fresh build, parsed by the course loader."""
    return load_course(built)


@pytest.fixture(scope="session")
def cleaned_guide() -> str:
    """The guide after chrome, errata, pinyin, icons and t2s: what lessons are cut from."""
    errata = SOURCE_DIR / "errata.yaml"
    return clean_guide(guide_body(read_source(GUIDE)), load_errata(errata), errata)


@pytest.fixture
def hints(tmp_path) -> Path:
    """A private, editable copy of content/source (guide and hint files)."""
    copy = tmp_path / "source"
    shutil.copytree(SOURCE_DIR, copy)
    return copy
