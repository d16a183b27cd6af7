"""JSON log lines, one per request, and the request id that comes back as X-Request-ID."""

from __future__ import annotations

import re

from lms.observability.logs import REQUEST_ID_HEADER


def _request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line.get("logger") == "lms.request"]


def test_every_response_carries_a_new_request_id_and_its_log_line_names_it(client, log_lines):
    first = client.get("/login")
    second = client.get("/login")
    ids = [first.headers[REQUEST_ID_HEADER], second.headers[REQUEST_ID_HEADER]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    assert ids[0] != ids[1]

    lines = _request_lines(log_lines())
    assert [line["request_id"] for line in lines] == ids
    line = lines[0]
    assert line["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert (line["method"], line["path"], line["endpoint"], line["status"]) == ("GET", "/login", "auth.login", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None


def test_the_signed_in_persons_id_is_logged(client, auth, make_user, log_lines):
    person = make_user()
    auth.login(person)
    log_lines()  # forget the sign-in's lines
    client.get("/account/password")
    (line,) = _request_lines(log_lines())
    assert line["user_id"] == person.id
    assert (line["endpoint"], line["status"]) == ("auth.change_password", 200)


def test_a_proxys_request_id_is_kept_only_when_a_proxy_is_trusted_and_the_id_is_sane(configured_app):
    sent = {REQUEST_ID_HEADER: "nginx-4f2a9c0d1e7b4a55"}
    direct = configured_app(TRUSTED_PROXIES=0).test_client()
    assert direct.get("/login", headers=sent).headers[REQUEST_ID_HEADER] != sent[REQUEST_ID_HEADER]

    proxied = configured_app(TRUSTED_PROXIES=1).test_client()
    assert proxied.get("/login", headers=sent).headers[REQUEST_ID_HEADER] == sent[REQUEST_ID_HEADER]
    for forged in ('abc"},{"level":"ERROR"}', "short", "x" * 200, "空格 不行 的编号"):
        answer = proxied.get("/login", headers={REQUEST_ID_HEADER: forged}).headers[REQUEST_ID_HEADER]
        assert re.fullmatch(r"[0-9a-f]{32}", answer), forged


def test_records_written_inside_a_request_carry_its_id(app, client, log_lines):
    @app.get("/_log-probe")
    def probe():
        app.logger.warning("probe %s", "written", extra={"detail": "值"})
        return "ok"

    response = client.get("/_log-probe")
    (probe_line,) = [line for line in log_lines() if line.get("message") == "probe written"]
    assert probe_line["request_id"] == response.headers[REQUEST_ID_HEADER]
    assert (probe_line["level"], probe_line["detail"]) == ("WARNING", "值")


def test_a_reset_token_in_the_path_is_not_written_to_the_log(client, log_lines):
    client.get("/reset/secret-reset-token-123")
    lines = _request_lines(log_lines())
    assert lines and all("secret-reset-token-123" not in str(line) for line in lines)
    assert lines[-1]["path"] == "/reset/<token>"


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(configured_app, log_lines):
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    configured_app(TRUSTED_PROXIES=0).test_client().get("/login", headers=forwarded)
    configured_app(TRUSTED_PROXIES=1).test_client().get("/login", headers=forwarded)
    addresses = [line["remote_addr"] for line in _request_lines(log_lines())]
    assert addresses == ["127.0.0.1", "198.51.100.7"]


def test_a_negative_or_wordy_proxy_count_stops_start_up(configured_app):
    import pytest

    for wrong in (-1, "two"):
        with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
            configured_app(TRUSTED_PROXIES=wrong)
