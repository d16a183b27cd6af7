"""The one upsert-and-retire routine (lms/sync.py), on plain objects: no database needed."""

from types import SimpleNamespace

from lms.sync import SyncReport, Upsert, upsert_and_retire


def _how(created: dict):
    return Upsert(
        unchanged=lambda row, item: row.value == item,
        create=lambda key, item: created.setdefault(key, SimpleNamespace(value=item, retired=False)),
        update=lambda row, item: setattr(row, "value", item),
        retire=lambda row: setattr(row, "retired", True),
        is_retired=lambda row: row.retired,
        restore=lambda row: setattr(row, "retired", False),
    )


def test_creates_updates_keeps_retires_and_brings_back():
    rows = {
        "a": SimpleNamespace(value=1, retired=False),
        "b": SimpleNamespace(value=2, retired=False),
        "c": SimpleNamespace(value=3, retired=True),
        "d": SimpleNamespace(value=4, retired=False),
    }
    created: dict = {}
    report = upsert_and_retire(rows, [("a", 1), ("b", 20), ("c", 3), ("e", 5)], _how(created), SyncReport(noun="项"))
    assert (report.created, report.updated, report.unchanged, report.retired) == (["e"], ["b", "c"], ["a"], ["d"])
    assert (
        rows["b"].value == 20 and rows["c"].retired is False and rows["d"].retired is True and created["e"].value == 5
    )
    assert report.summary == "新增 1 项，更新 2 项，未变 1 项，停用 1 项"


def test_a_dry_run_reports_without_touching_a_row():
    rows = {"a": SimpleNamespace(value=1, retired=False), "b": SimpleNamespace(value=2, retired=False)}
    created: dict = {}
    report = upsert_and_retire(rows, [("a", 10), ("n", 1)], _how(created), SyncReport(), dry_run=True)
    assert (report.created, report.updated, report.retired) == (["n"], ["a"], ["b"])
    assert rows["a"].value == 1 and rows["b"].retired is False and created == {}
