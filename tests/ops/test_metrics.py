"""/metrics: Prometheus exposition, request metrics, queue depth, and who may scrape it."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.helpers import enqueue_sample_tasks

TOKEN = "s3cret-metrics-token-for-tests"


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def healthz_count(found: dict) -> float:
    key = (
        "heartline_http_requests_total",
        (("method", "GET"), ("route", "/healthz"), ("status", "2xx")),
    )
    return found.get(key, 0.0)


@pytest.mark.django_db
def test_metrics_expose_request_counts_latency_and_queue_depth(settings):
    settings.METRICS_TOKEN = ""
    client = Client()
    before = healthz_count(samples(client.get("/metrics").content))
    client.get("/healthz")
    client.get("/healthz")
    enqueue_sample_tasks()

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    found = samples(response.content)
    assert healthz_count(found) == before + 2
    latency_key = (
        "heartline_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/healthz")),
    )
    assert found[latency_key] >= 2
    depth = {
        labels: value
        for (name, labels), value in found.items()
        if name == "heartline_task_queue_depth"
    }
    assert depth == {
        (("queue", "default"), ("status", "READY")): 2.0,
        (("queue", "default"), ("status", "RUNNING")): 0.0,
        (("queue", "events"), ("status", "READY")): 1.0,
        (("queue", "events"), ("status", "RUNNING")): 0.0,
        (("queue", "periodic"), ("status", "READY")): 0.0,
        (("queue", "periodic"), ("status", "RUNNING")): 0.0,
    }


@pytest.mark.django_db
def test_metrics_without_token_only_for_direct_loopback(settings):
    settings.METRICS_TOKEN = ""
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200
    remote = Client(REMOTE_ADDR="203.0.113.7").get("/metrics")
    assert remote.status_code == 403
    assert remote.json() == {
        "error": {"code": "forbidden", "message": "Metrics are served only to this machine."}
    }
    # A reverse proxy on the same host: the peer is loopback, the visitor is not.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert proxied.get("/metrics").status_code == 403
    assert (
        Client(REMOTE_ADDR="127.0.0.1", HTTP_FORWARDED="for=203.0.113.7")
        .get("/metrics")
        .status_code
        == 403
    )


@pytest.mark.django_db
def test_metrics_with_token_require_the_bearer_token(settings):
    settings.METRICS_TOKEN = TOKEN
    local = Client(REMOTE_ADDR="127.0.0.1")
    missing = local.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == "Bearer"
    assert missing.json() == {
        "error": {"code": "unauthorized", "message": "A valid bearer token is required."}
    }
    assert local.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 401
    assert local.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert local.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    remote = Client(REMOTE_ADDR="203.0.113.7")
    ok = remote.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert ok.status_code == 200
    assert b"heartline_http_requests_total" in ok.content
