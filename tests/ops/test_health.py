"""/healthz, /readyz and /metrics against the real database and real channel layers."""

from __future__ import annotations

import socket

import pytest
from django.test import Client

from tests.ops.helpers import fresh_worker_heartbeat

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:1"]},
    }
}
ALL_OK = {
    "status": "ok",
    "checks": {"database": "ok", "channel_layer": "ok", "worker": "ok"},
}


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def test_healthz_answers_without_touching_the_database():
    # No `db` fixture: pytest-django raises on any database access.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_all_checks_pass():
    fresh_worker_heartbeat()
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == ALL_OK


@pytest.mark.django_db
def test_readyz_without_a_worker_heartbeat_names_the_worker():
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "channel_layer": "ok", "worker": "failing"},
        "failing": ["worker"],
        "message": "Not ready: no task worker has sent a heartbeat in the last 60 seconds.",
    }


@pytest.mark.django_db
def test_readyz_with_an_unreachable_redis_channel_layer(settings):
    fresh_worker_heartbeat()
    settings.CHANNEL_LAYERS = UNREACHABLE_REDIS
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "channel_layer": "failing", "worker": "ok"},
        "failing": ["channel_layer"],
        "message": "Not ready: the channel layer did not return a message sent to it.",
    }


@pytest.mark.django_db
@pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379")
def test_readyz_channel_check_through_channels_redis(settings):
    fresh_worker_heartbeat()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://{REDIS_HOST}:{REDIS_PORT}/0"]},
        }
    }
    from channels.layers import get_channel_layer

    assert type(get_channel_layer()).__module__ == "channels_redis.core"
    for _ in range(2):  # a second round trip reuses the layer on a new event loop
        response = Client().get("/readyz")
        assert response.status_code == 200
        assert response.json() == ALL_OK


def test_healthz_refuses_post():
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_with_a_stale_worker_heartbeat_names_the_worker():
    fresh_worker_heartbeat(age_seconds=61)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
