"""/metrics: who may read it, and what it reports (request counts, latency, exam and ledger gauges)."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lms.extensions import db
from tests.exams.exam_support import *  # noqa: F403 (bank, exam_factory, frozen_now, start, paper_of)

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def samples(client, **kwargs) -> dict[tuple, float]:
    """(name, sorted labels) -> value, from one scrape."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_answer_loopback_by_default_and_refuse_other_addresses_with_403(client):
    assert client.get("/metrics").status_code == 200
    refused = client.get("/metrics", environ_base=OUTSIDE)
    assert refused.status_code == 403
    assert "监控" in refused.get_data(as_text=True)
    assert "lms_http_requests_total" not in refused.get_data(as_text=True)


def test_a_bearer_token_opens_metrics_from_anywhere_and_a_wrong_one_does_not(configured_app):
    client = configured_app(METRICS_TOKEN="s3cret-scrape-token", METRICS_ALLOWED_NETWORKS="").test_client()
    assert client.get("/metrics").status_code == 403  # no network allowed, not even loopback
    good = {"Authorization": "Bearer s3cret-scrape-token"}
    assert client.get("/metrics", headers=good, environ_base=OUTSIDE).status_code == 200
    for wrong in ("Bearer s3cret-scrape-tokeN", "Basic s3cret-scrape-token", "Bearer", "s3cret-scrape-token"):
        assert client.get("/metrics", headers={"Authorization": wrong}, environ_base=OUTSIDE).status_code == 403


def test_no_token_configured_means_no_token_opens_it(configured_app):
    client = configured_app(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=[]).test_client()
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403


def test_allowed_networks_are_cidrs_and_a_typo_stops_start_up(configured_app):
    client = configured_app(METRICS_ALLOWED_NETWORKS="10.0.0.0/8, 192.0.2.0/24").test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.200"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "11.0.0.1"}).status_code == 403
    assert client.get("/metrics").status_code == 403  # loopback is not in this list
    with pytest.raises(RuntimeError, match="METRICS_ALLOWED_NETWORKS"):
        configured_app(METRICS_ALLOWED_NETWORKS="10.0.0.0/33")


def test_behind_a_proxy_the_client_address_decides_and_an_untrusted_proxy_opens_nothing(configured_app):
    # nginx on the same machine connects from 127.0.0.1: without TRUSTED_PROXIES that says nothing about the client.
    forwarded_from_outside = {"X-Forwarded-For": "203.0.113.50"}
    untrusted = configured_app(TRUSTED_PROXIES=0).test_client()
    assert untrusted.get("/metrics", headers=forwarded_from_outside).status_code == 403
    assert untrusted.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403

    trusted = configured_app(TRUSTED_PROXIES=1, METRICS_ALLOWED_NETWORKS="10.9.0.0/16").test_client()
    assert trusted.get("/metrics", headers=forwarded_from_outside).status_code == 403
    assert trusted.get("/metrics", headers={"X-Forwarded-For": "10.9.1.2"}).status_code == 200


def test_requests_are_counted_per_endpoint_with_their_latency(client):
    before = samples(client)
    for _ in range(3):
        client.get("/login")
    client.get("/no-such-page")
    after = samples(client)
    login = {"endpoint": "auth.login", "method": "GET", "status": "200"}
    assert value(after, "lms_http_requests_total", **login) - value(before, "lms_http_requests_total", **login) == 3
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert (
        value(after, "lms_http_requests_total", **unmatched) - value(before, "lms_http_requests_total", **unmatched)
        == 1
    )
    count = "lms_http_request_duration_seconds_count"
    assert value(after, count, endpoint="auth.login") - value(before, count, endpoint="auth.login") == 3
    buckets = [key for key in after if key[0] == "lms_http_request_duration_seconds_bucket"]
    assert any(dict(labels).get("endpoint") == "auth.login" for _, labels in buckets)


def test_attempts_in_progress_autosave_errors_and_the_ledger_are_reported(
    app, client, auth, make_user, exam_factory, frozen_now
):
    exam = exam_factory()
    person = make_user()
    before = samples(client)
    assert value(before, "lms_exam_attempts_in_progress") == 0
    with app.app_context():
        attempt = start(exam, person)  # noqa: F405
        overdue_person = make_user()
        start(exam, overdue_person)  # noqa: F405
    auth.login(person)
    token = client.csrf_token()
    bad = client.post(
        f"/exams/attempts/{attempt.id}/answers", json={"answers": "not an object"}, headers={"X-CSRFToken": token}
    )
    assert bad.status_code == 400
    after = samples(client)
    assert value(after, "lms_exam_attempts_in_progress") == 2
    assert value(after, "lms_exam_attempts_overdue") == 0
    assert (
        value(after, "lms_exam_autosave_errors_total", status="400")
        - value(before, "lms_exam_autosave_errors_total", status="400")
        == 1
    )

    frozen_now(hours=2)  # past both deadlines (60 minutes), not yet closed by anything
    later = samples(client)
    assert (value(later, "lms_exam_attempts_in_progress"), value(later, "lms_exam_attempts_overdue")) == (0, 2)


def test_the_ledger_length_is_the_head_of_the_chain(app, client, make_user):
    from lms import clock
    from lms.models.record import FactKind
    from lms.record.service import append_fact

    assert value(samples(client), "lms_record_ledger_entries") == 0
    person = make_user()
    with app.app_context():
        for _ in range(2):
            append_fact(next(iter(FactKind)), subject_id=person.id, occurred_at=clock.now(), source=f"user:{person.id}")
        db.session.commit()
    assert value(samples(client), "lms_record_ledger_entries") == 2


def test_a_failing_database_source_leaves_the_request_counts_in_place(app, client, monkeypatch):
    import lms.observability.metrics as metrics

    def broken():
        raise RuntimeError("simulated")
        yield  # pragma: no cover

    monkeypatch.setattr(metrics, "_ledger_gauges", broken)
    found = samples(client)
    assert any(name == "lms_http_requests_total" for name, _ in found)
    assert "lms_exam_attempts_in_progress" in {name for name, _ in found}
    assert not re.search("lms_record_ledger_entries", str(found))
