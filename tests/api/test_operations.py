"""What each operation answers, with exact JSON, rows, audit entries and events."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.accounts import services as accounts
from heartline.accounts.models import ApiToken
from heartline.core.models import AuditEntry, Notification, OutboxEvent
from heartline.core.notifications import notification_create
from heartline.core.permissions import PERMISSIONS, Role, permissions_for_role
from heartline.core.routers import AuditAction

pytestmark = pytest.mark.django_db


# --- /me -------------------------------------------------------------------------------------
def test_me_shows_own_profile_role_and_permissions(make_staff, api_client):
    team = accounts.team_create(actor=None, name="Hotline")
    user = make_staff(
        "manager", username="mei", display_name="Mei Lin", email="mei@example.com", team=team
    )
    response = api_client(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "username": "mei",
        "display_name": "Mei Lin",
        "email": "mei@example.com",
        "role": "manager",
        "language": "en",
        "is_active": True,
        "team": {"id": team.pk, "name": "Hotline"},
        "permissions": sorted(permissions_for_role(Role.MANAGER)),
    }


def test_me_of_an_admin_lists_every_permission(make_staff, api_client):
    response = api_client(make_staff("admin", username="root")).get("/api/v1/me")
    assert response.json()["permissions"] == sorted(PERMISSIONS)


# --- /staff ----------------------------------------------------------------------------------
def test_staff_list_pages_newest_first(make_staff, api_client):
    manager = make_staff("manager", username="boss")
    others = [make_staff("agent", username=f"agent{n}") for n in range(3)]
    response = api_client(manager).get("/api/v1/staff?limit=3")
    assert response.status_code == 200
    body = response.json()
    assert [item["username"] for item in body["items"]] == ["agent2", "agent1", "agent0"]
    assert body["items"][0] == {
        "id": others[2].pk,
        "username": "agent2",
        "display_name": "",
        "email": "",
        "role": "agent",
        "language": "en",
        "is_active": True,
        "team": None,
    }
    rest = api_client(manager).get(f"/api/v1/staff?limit=3&cursor={body['next_cursor']}").json()
    assert [item["username"] for item in rest["items"]] == ["boss"]
    assert rest["next_cursor"] is None


def _staff_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/staff?limit=200")
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_staff_list_query_count_does_not_grow_with_rows(make_staff, client_for):
    manager = make_staff("manager", username="boss")
    client = client_for(manager)
    _staff_queries(client)  # the first request of a session also settles the session
    few = _staff_queries(client)
    for n in range(12):
        team = accounts.team_create(actor=None, name=f"Team {n}")
        make_staff("agent", username=f"agent{n}", team=team)
    many = _staff_queries(client)
    # session, user, staff page with teams joined
    assert (few, many) == (3, 3)


# --- /tokens ---------------------------------------------------------------------------------
def test_create_token_returns_the_secret_once_and_writes_one_audit_entry_and_one_event(
    make_staff, api_client
):
    user = make_staff("agent", username="ann")
    client = api_client(user)
    audit_before, events_before = AuditEntry.objects.count(), OutboxEvent.objects.count()

    response = client.post("/api/v1/tokens", {"name": "laptop"}, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert body == {
        "id": token.pk,
        "name": "laptop",
        "prefix": token.prefix,
        "created_at": body["created_at"],
        "last_used_at": None,
        "revoked_at": None,
        "is_active": True,
        "token": body["token"],
    }
    assert body["token"].startswith(f"hl_{token.prefix}_")
    assert AuditEntry.objects.count() == audit_before + 1
    assert OutboxEvent.objects.count() == events_before + 1
    event = OutboxEvent.objects.latest("id")
    assert (event.type, event.payload) == (
        "api_token.created",
        {"user_id": user.pk, "token_id": token.pk},
    )
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.object_type, entry.object_id, entry.channel) == (
        "create",
        "accounts.apitoken",
        str(token.pk),
        "api",
    )
    assert Client(HTTP_AUTHORIZATION=f"Bearer {body['token']}").get("/api/v1/me").status_code == 200
    listed = client.get("/api/v1/tokens").json()["items"]
    assert "token" not in listed[0]
    assert "key_hash" not in listed[0]


def test_token_list_shows_only_own_tokens(make_staff, api_client):
    ann, bob = make_staff("agent", username="ann"), make_staff("admin", username="bob")
    accounts.api_token_create(actor=bob, user=bob, name="bob's")
    client = api_client(ann)  # creates ann's "tests" token
    accounts.api_token_create(actor=ann, user=ann, name="second")
    names = [item["name"] for item in client.get("/api/v1/tokens").json()["items"]]
    assert names == ["second", "tests"]


def test_revoke_own_token(make_staff, api_client):
    user = make_staff("agent", username="ann")
    old, old_key = accounts.api_token_create(actor=user, user=user, name="old")
    client = api_client(user)
    before = AuditEntry.objects.count()

    response = client.delete(f"/api/v1/tokens/{old.pk}")

    assert response.status_code == 204
    assert response.content == b""
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert AuditEntry.objects.count() == before + 1
    assert Client(HTTP_AUTHORIZATION=f"Bearer {old_key}").get("/api/v1/me").status_code == 401
    again = client.delete(f"/api/v1/tokens/{old.pk}")
    assert again.status_code == 204
    assert AuditEntry.objects.count() == before + 1


# --- /audit ----------------------------------------------------------------------------------
def test_audit_actions_match_the_model():
    assert set(AuditAction.__args__) == set(AuditEntry.Action.values)


def test_audit_list_with_filters(make_staff, api_client):
    root = make_staff("admin", username="root")
    ann = make_staff("agent", username="ann")
    client = api_client(root)  # root creates a token: one audit entry by root
    accounts.api_token_create(actor=ann, user=ann, name="ann's")

    everything = client.get("/api/v1/audit").json()["items"]
    assert [(e["actor_label"], e["action"], e["object_type"]) for e in everything] == [
        ("ann", "create", "accounts.apitoken"),
        ("root", "create", "accounts.apitoken"),
        ("system", "create", "accounts.user"),
        ("system", "create", "accounts.user"),
    ]

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/audit?{query}")
        assert response.status_code == 200, response.content
        return [e["object_label"] for e in response.json()["items"]]

    assert ids("actor=ann") == ["ann's (" + ApiToken.objects.get(name="ann's").prefix + "…)"]
    assert ids("object_type=accounts.user") == ["ann", "root"]
    assert ids(f"object_type=accounts.user&object_id={root.pk}") == ["root"]
    assert ids("action=update") == []
    assert ids("actor=nobody") == []
    assert len(ids("since=2000-01-01T00:00:00%2B00:00")) == 4
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"since={future}") == []
    assert len(ids(f"until={future}")) == 4
    assert client.get("/api/v1/audit?action=explode").status_code == 422


def test_audit_entry_shape(make_staff, api_client):
    root = make_staff("admin", username="root")
    entry = api_client(root).get("/api/v1/audit?limit=1").json()["items"][0]
    row = AuditEntry.objects.latest("id")
    assert entry == {
        "id": row.pk,
        "at": entry["at"],
        "actor_id": root.pk,
        "actor_label": "root",
        "channel": row.channel,
        "action": "create",
        "object_type": "accounts.apitoken",
        "object_id": row.object_id,
        "object_label": row.object_label,
        "changes": {"name": [None, "tests"], "user": [None, root.pk]},
        "request_id": "",
        "ip": "",
    }


# --- /notifications --------------------------------------------------------------------------
def test_notifications_are_own_only_and_filter_unread(make_staff, client_for):
    ann, bob = make_staff("agent", username="ann"), make_staff("agent", username="bob")
    first = notification_create(recipient=ann, text="first")
    second = notification_create(recipient=ann, text="second")
    notification_create(recipient=bob, text="bob's")
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    client = client_for(ann)

    all_items = client.get("/api/v1/notifications").json()["items"]
    unread = client.get("/api/v1/notifications?unread=true").json()["items"]

    assert [n["text"] for n in all_items] == ["second", "first"]
    assert [n["id"] for n in unread] == [second.pk]


def test_mark_read_marks_own_and_ignores_others(make_staff, api_client):
    ann, bob = make_staff("agent", username="ann"), make_staff("agent", username="bob")
    mine = notification_create(recipient=ann, text="mine")
    theirs = notification_create(recipient=bob, text="theirs")

    response = api_client(ann).post(
        "/api/v1/notifications/read",
        {"ids": [mine.pk, theirs.pk, 999999]},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None
