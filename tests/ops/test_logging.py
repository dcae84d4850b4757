"""Structured logs: one JSON object a line, carrying the request id of the response."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings
from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from heartline.core.observability import RequestIdFilter


@pytest.fixture
def json_log() -> io.StringIO:
    """The production handler (JSON formatter + request id filter) on the root logger."""
    options = dict(settings.LOGGING["formatters"]["json"])
    assert options.pop("()") == "pythonjsonlogger.json.JsonFormatter"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
def test_a_log_line_during_a_request_is_one_json_object_with_its_request_id(json_log):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-abc.123")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-abc.123"
    records = lines(json_log)
    not_found = [r for r in records if r["logger"] == "django.request"]
    assert len(not_found) == 1
    assert not_found[0]["level"] == "WARNING"
    assert not_found[0]["message"] == "Not Found: /no-such-page/"
    assert not_found[0]["request_id"] == "req-abc.123"
    access = [r for r in records if r["logger"] == "heartline.access"]
    assert len(access) == 1
    assert {k: access[0][k] for k in ("level", "message", "request_id", "status", "method")} == {
        "level": "INFO",
        "message": "GET unmatched 404",
        "request_id": "req-abc.123",
        "status": 404,
        "method": "GET",
    }
    assert set(records[0]) >= {"time", "level", "logger", "message", "request_id"}


@pytest.mark.parametrize(
    "hostile",
    ["abc\nforged log line", "abc\n", "x" * 500, "a b", "<script>", "abc\r\ndef", ""],
)
def test_a_hostile_request_id_is_replaced(hostile, json_log):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=hostile)
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert request_id != hostile
    assert len(request_id) == 32
    assert request_id.isalnum()
    records = lines(json_log)
    assert [r["request_id"] for r in records] == [request_id]
    assert hostile.strip() == "" or all(hostile not in json.dumps(r) for r in records)


def test_a_well_formed_request_id_is_kept():
    response = Client().get("/healthz", HTTP_X_REQUEST_ID="a" * 64)
    assert response["X-Request-ID"] == "a" * 64
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="a" * 65)["X-Request-ID"] != "a" * 65


def test_log_lines_outside_a_request_have_a_dash_as_request_id(json_log):
    logging.getLogger("heartline.test").warning("outside")
    assert lines(json_log)[-1]["request_id"] == "-"
    assert lines(json_log)[-1]["message"] == "outside"
