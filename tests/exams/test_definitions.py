"""Exam definition loader: clause ids are text (`clause: 5.10` is 5.10, not the YAML float 5.1)."""

from __future__ import annotations

from datetime import datetime

import pytest

from lms.exams.definitions import DefinitionError, load_definition

HEAD = (
    "title: 条款\nopens: 2026-12-01 09:00\ncloses: 2026-12-02 09:00\ntime_limit_minutes: 60\npass_mark: 80.5\ndraws:\n"
)


def _write(tmp_path, draws: str):
    path = tmp_path / "clauses.yaml"
    path.write_text(HEAD + draws, encoding="utf-8")
    return path


def test_clause_ids_are_read_as_written(tmp_path):
    definition = load_definition(
        _write(
            tmp_path,
            "  - {clause: 5.10, count: 1, points: 50}\n"
            "  - {clause: 5.1, count: 1, points: 25}\n"
            "  - clause: 7.1.1\n    count: 1\n    points: 12.5\n"
            "  - {chapter: 2, count: 1, points: 12.5}\n",
        )
    )
    assert [draw.clause for draw in definition.draws] == ["5.10", "5.1", "7.1.1", None]
    assert definition.draws[3].chapter == "2"
    assert str(definition.pass_mark) == "80.5"  # other numbers stay numbers
    assert definition.opens_at == datetime(2026, 12, 1, 1, 0)  # 09:00 in the company's zone


def test_a_clause_that_is_not_an_id_is_refused(tmp_path):
    with pytest.raises(DefinitionError, match="clause「五点十」无效"):
        load_definition(_write(tmp_path, "  - {clause: 五点十, count: 1, points: 100}\n"))
