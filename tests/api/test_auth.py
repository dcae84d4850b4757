"""Token and session authentication of the API, and CSRF on session writes."""

from __future__ import annotations

import pytest
from django.test import Client

from heartline.accounts import services as accounts
from heartline.accounts.models import ApiToken
from heartline.core.models import AuditEntry, OutboxEvent
from tests.api.conftest import error, row_counts

UNAUTHENTICATED = error("not_authenticated", "Authentication required: send a valid API token.")


def _bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.django_db
def test_valid_token_authenticates_and_records_last_use(make_staff, token_for):
    user = make_staff("agent", username="ann")
    key = token_for(user)
    assert ApiToken.objects.get(user=user).last_used_at is None

    response = _bearer(key).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "ann"
    assert response.json()["role"] == "agent"
    assert ApiToken.objects.get(user=user).last_used_at is not None


@pytest.mark.django_db
def test_revoked_token_is_refused(make_staff, token_for):
    user = make_staff("agent", username="ann")
    key = token_for(user)
    accounts.api_token_revoke(actor=user, token=ApiToken.objects.get(user=user))

    response = _bearer(key).get("/api/v1/me")

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert response["WWW-Authenticate"] == 'Bearer realm="heartline"'


@pytest.mark.django_db
def test_token_of_deactivated_user_is_refused(make_staff, token_for):
    user = make_staff("agent", username="ann")
    key = token_for(user)
    accounts.staff_update(actor=None, user=user, is_active=False)

    assert _bearer(key).get("/api/v1/me").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Bearer hl_deadbeef_notarealtoken",
        "Bearer not-even-a-heartline-token",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        "hl_deadbeef_no_scheme",
    ],
)
def test_unknown_or_malformed_token_is_refused(make_staff, header):
    make_staff("admin", username="root")
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


@pytest.mark.django_db
def test_missing_credentials_are_refused():
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


@pytest.mark.django_db
def test_token_requests_are_audited_as_the_token_user_on_the_api_channel(make_staff, token_for):
    user = make_staff("agent", username="ann")
    key = token_for(user)
    before = AuditEntry.objects.count()

    response = _bearer(key).post(
        "/api/v1/tokens", {"name": "laptop"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.actor_id, entry.actor_label, entry.channel) == (user.pk, "ann", "api")


# --- Session authentication and CSRF ---------------------------------------------------------
def _session(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf_token(client: Client) -> str:
    """The CSRF token, as the docs page (Swagger UI) gets it: rendered into the page + cookie."""
    assert client.get("/api/v1/docs").status_code == 200
    return str(client.cookies["csrftoken"].value)


@pytest.mark.django_db
def test_session_get_needs_no_csrf_token(make_staff):
    client = _session(make_staff("agent", username="ann"))
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "ann"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/tokens", {"name": "laptop"}),
        ("post", "/api/v1/notifications/read", {"ids": [1]}),
        ("delete", "/api/v1/tokens/{own}", None),
    ],
)
def test_session_write_without_csrf_token_is_refused_and_changes_nothing(
    make_staff, method, path, body
):
    user = make_staff("agent", username="ann")
    own = accounts.api_token_create(actor=user, user=user, name="old")[0]
    client = _session(user)
    before = row_counts()

    response = getattr(client, method)(
        path.format(own=own.pk), body, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == error("csrf_failed", "CSRF check failed.")
    assert row_counts() == before
    assert ApiToken.objects.get(pk=own.pk).revoked_at is None


@pytest.mark.django_db
def test_session_write_with_csrf_token_succeeds(make_staff):
    user = make_staff("agent", username="ann")
    client = _session(user)
    token = _csrf_token(client)
    before = row_counts()

    response = client.post(
        "/api/v1/tokens",
        {"name": "laptop"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 201
    assert row_counts() == {
        **before,
        "audit": before["audit"] + 1,
        "tokens": before["tokens"] + 1,
        "outbox": before["outbox"] + 1,
    }


@pytest.mark.django_db
def test_session_delete_with_csrf_token_revokes(make_staff):
    user = make_staff("agent", username="ann")
    own = accounts.api_token_create(actor=user, user=user, name="old")[0]
    client = _session(user)
    token = _csrf_token(client)

    response = client.delete(f"/api/v1/tokens/{own.pk}", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 204
    assert ApiToken.objects.get(pk=own.pk).revoked_at is not None
    assert OutboxEvent.objects.filter(type="api_token.revoked").count() == 1


@pytest.mark.django_db
def test_token_auth_needs_no_csrf_token(make_staff, token_for):
    user = make_staff("agent", username="ann")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    response = client.post("/api/v1/tokens", {"name": "ci"}, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.django_db
def test_anonymous_write_gets_401_not_a_csrf_error():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
