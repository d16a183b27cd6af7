"""Case pages show stored UTC times in LMS_TIMEZONE: 19:08 UTC on 12-01 reads 2026-12-02 03:08."""

from datetime import datetime

from lms import clock

EVENING_UTC = datetime(2026, 12, 1, 19, 8)


def test_case_pages_show_beijing_time(client, auth, people, make_case, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: EVENING_UTC)
    case_id = make_case()
    auth.login(people["mentor"])
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "首次发布 2026-12-02" in page and "2026-12-02 03:08" in page
    assert "2026-12-01 19:08" not in page
    versions = client.get(f"/cases/{case_id}/versions").get_data(as_text=True)
    assert "2026-12-02 03:08" in versions and "19:08" not in versions
