"""Every 4xx/5xx under /api/v1/ has the one error format, with exact bodies."""

from __future__ import annotations

import logging

import pytest

from heartline.accounts import services as accounts
from tests.api.conftest import error, row_counts

pytestmark = pytest.mark.django_db

INVALID = "The request is not valid."


@pytest.fixture
def agent_client(make_staff, api_client):  # type: ignore[no-untyped-def]
    return api_client(make_staff("agent", username="ann"))


def test_422_validation_error_lists_field_errors(agent_client):
    response = agent_client.get("/api/v1/tokens?limit=0")
    assert response.status_code == 422
    assert response.json() == error(
        "validation_error",
        INVALID,
        [
            {
                "loc": ["query", "limit"],
                "message": "Input should be greater than or equal to 1",
                "type": "greater_than_equal",
            }
        ],
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "loc", "type_"),
    [
        (
            "get",
            "/api/v1/tokens?limit=1000000000000000000000",
            None,
            ["query", "limit"],
            "less_than_equal",
        ),
        ("get", "/api/v1/tokens?limit=ten", None, ["query", "limit"], "int_parsing"),
        ("delete", "/api/v1/tokens/abc", None, ["path", "token_id"], "int_parsing"),
        ("delete", "/api/v1/tokens/0", None, ["path", "token_id"], "greater_than_equal"),
        (
            "delete",
            "/api/v1/tokens/99999999999999999999",
            None,
            ["path", "token_id"],
            "less_than_equal",
        ),
        ("post", "/api/v1/tokens", {"name": "x" * 101}, ["body", "payload", "name"], "too_long"),
        (
            "post",
            "/api/v1/tokens",
            {"name": "ok", "user": 1},
            ["body", "payload", "user"],
            "extra_forbidden",
        ),
        (
            "post",
            "/api/v1/tokens",
            {"name": "a\x00b"},
            ["body", "payload", "name"],
            "string_pattern_mismatch",
        ),
        ("post", "/api/v1/tokens", {}, ["body", "payload", "name"], "missing"),
        (
            "post",
            "/api/v1/notifications/read",
            {"ids": ["x"]},
            ["body", "payload", "ids", "0"],
            "int_parsing",
        ),
        (
            "get",
            "/api/v1/audit?since=2025-01-01T00:00:00",
            None,
            ["query", "since"],
            "timezone_aware",
        ),
    ],
)
def test_malformed_input_is_a_422_and_changes_nothing(
    make_staff, api_client, method, path, body, loc, type_
):
    client = api_client(make_staff("admin", username="root"))
    before = row_counts()
    response = getattr(client, method)(path, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert [(d["loc"], d["type"]) for d in response.json()["error"]["details"]] == [(loc, type_)]
    assert row_counts() == before


def test_400_for_a_body_that_is_not_json(agent_client):
    before = row_counts()
    response = agent_client.post("/api/v1/tokens", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == error("bad_request", "Cannot parse request body")
    assert row_counts() == before


def test_400_for_a_service_validation_error_with_field_details(agent_client):
    before = row_counts()
    response = agent_client.post("/api/v1/tokens", {"name": "   "}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == error(
        "bad_request", INVALID, {"name": ["Give the token a name of 1 to 100 characters."]}
    )
    assert row_counts() == before


def test_401_without_credentials(client):
    response = client.get("/api/v1/tokens")
    assert response.status_code == 401
    assert response.json() == error(
        "not_authenticated", "Authentication required: send a valid API token."
    )


def test_403_when_the_role_lacks_the_permission(agent_client):
    response = agent_client.get("/api/v1/audit")
    assert response.status_code == 403
    assert response.json() == error("permission_denied", "You do not have permission to do this.")


def test_404_for_an_unknown_api_path(agent_client):
    response = agent_client.get("/api/v1/no-such-thing/1")
    assert response.status_code == 404
    assert response.json() == error("not_found", "There is no API operation at this address.")


def test_404_for_an_unknown_path_even_without_credentials(client):
    response = client.post("/api/v1/nothing/here", {}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_404_for_the_api_root(agent_client):
    response = agent_client.get("/api/v1/")
    assert response.status_code == 404
    assert response.json() == error("not_found", "Not found.")


def test_404_for_another_users_token_does_not_leak_it(make_staff, agent_client):
    other = make_staff("agent", username="bob")
    foreign = accounts.api_token_create(actor=other, user=other, name="bob's")[0]
    missing = agent_client.delete("/api/v1/tokens/987654")
    response = agent_client.delete(f"/api/v1/tokens/{foreign.pk}")
    assert response.status_code == 404
    assert response.json() == error("not_found", "Not found.")
    assert missing.json() == response.json()
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_405_for_an_unsupported_method(agent_client):
    response = agent_client.put("/api/v1/tokens", {}, content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"  # sorted: stable whatever the hash seed
    assert response.json() == error(
        "method_not_allowed", "This method is not allowed here.", {"allowed": ["GET", "POST"]}
    )


def test_400_for_a_tampered_cursor(agent_client):
    response = agent_client.get("/api/v1/tokens?cursor=WzFd:forged")
    assert response.status_code == 400
    assert response.json() == error("bad_request", "The cursor is not valid.")


def test_500_is_generic_and_logged(agent_client, monkeypatch, caplog):
    def explode(user):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr("heartline.accounts.api.api_tokens_of_user", explode)
    with caplog.at_level(logging.ERROR, logger="heartline.core.api"):
        response = agent_client.get("/api/v1/tokens")
    assert response.status_code == 500
    assert response.json() == error(
        "server_error", "Something went wrong on our side. It has been logged."
    )
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
    assert [r.message for r in caplog.records if r.name == "heartline.core.api"] == [
        "API operation failed"
    ]


def test_every_operation_declares_its_error_responses(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            declared = set(operation["responses"])
            assert {"400", "401", "403", "422", "500"} <= declared, (method, path)
            for status in declared - {"200", "201", "204"}:
                ref = operation["responses"][status]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


@pytest.mark.django_db
def test_extreme_time_zone_offsets_are_normalised_not_a_server_error(make_staff, api_client):
    admin_client = api_client(make_staff("admin", username="root"))
    # Python accepts offsets up to ±23:59, PostgreSQL only up to ±15:59: the API stores UTC.
    ok = admin_client.get("/api/v1/audit", {"until": "0527-08-11T15:19:12-18:06"})
    assert ok.status_code == 200
    too_early = admin_client.get("/api/v1/audit", {"until": "0001-01-01T00:00:00+23:00"})
    assert too_early.status_code == 422
