"""The staff-facing pages: staff, audit trail, API tokens, search, notifications."""

from __future__ import annotations

import pytest

from heartline.accounts.models import ApiToken, User
from heartline.accounts.services import api_token_authenticate, team_create
from heartline.core import audit
from heartline.core.models import AuditEntry, Notification
from heartline.core.notifications import notification_create
from heartline.core.permissions import Role
from heartline.web import selectors

pytestmark = pytest.mark.django_db


def test_staff_list_shows_staff_and_teams(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    team_create(actor=None, name="Hotline 热线")
    html = client_for(staff_by_role["manager"]).get("/staff/").content.decode()
    for role in Role:
        assert f">{role.value}</td>" in html
    assert "Hotline 热线" in html
    assert "/staff/new/" not in html  # managers may look, not change


def test_staff_pages_refused_without_permission(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    agent = client_for(staff_by_role["agent"])
    assert agent.get("/staff/").status_code == 403
    manager = client_for(staff_by_role["manager"])
    count = User.objects.count()
    response = manager.post("/staff/new/", {"username": "x", "role": "agent", "language": "en"})
    assert response.status_code == 403
    assert User.objects.count() == count


def test_admin_creates_staff_member(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    team = team_create(actor=None, name="Sales North")
    admin = client_for(staff_by_role["admin"])
    before = AuditEntry.objects.filter(action="create").count()
    response = admin.post(
        "/staff/new/",
        {
            "username": "li.na",
            "display_name": "李娜",
            "email": "li.na@example.com",
            "role": "sales",
            "team": str(team.pk),
            "language": "zh-hans",
            "password": "a long enough passphrase 42",
        },
    )
    assert response.status_code == 302
    member = User.objects.get(username="li.na")
    assert (member.display_name, member.role, member.team_id, member.language) == (
        "李娜",
        "sales",
        team.pk,
        "zh-hans",
    )
    assert member.check_password("a long enough passphrase 42")
    assert AuditEntry.objects.filter(action="create").count() == before + 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "admin", "role": "agent", "language": "en"}, "username"),
        ({"username": "bad name!", "role": "agent", "language": "en"}, "username"),
        ({"username": "ok", "role": "emperor", "language": "en"}, "role"),
        ({"username": "ok", "role": "agent", "language": "en", "email": "nope"}, "email"),
        ({"username": "ok", "role": "agent", "language": "en", "password": "123"}, "password"),
        ({"username": "ok", "role": "agent", "language": "en", "team": "99999"}, "team"),
    ],
)
def test_staff_create_shows_errors(staff_by_role, client_for, data, field) -> None:  # type: ignore[no-untyped-def]
    count = User.objects.count()
    response = client_for(staff_by_role["admin"]).post("/staff/new/", data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert User.objects.count() == count


def test_admin_changes_role_team_and_active(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    team = team_create(actor=None, name="Care")
    agent = staff_by_role["agent"]
    admin = client_for(staff_by_role["admin"])
    form = admin.get(f"/staff/{agent.pk}/")
    assert form.status_code == 200
    response = admin.post(
        f"/staff/{agent.pk}/",
        {"role": "manager", "team": str(team.pk), "language": "en", "display_name": "Ann"},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.role, agent.team_id, agent.is_active, agent.display_name) == (
        "manager",
        team.pk,
        False,
        "Ann",
    )
    entry = AuditEntry.objects.filter(action="update", object_id=str(agent.pk)).get()
    assert entry.changes == {
        "display_name": ["", "Ann"],
        "is_active": [True, False],
        "role": ["agent", "manager"],
        "team_id": [None, team.pk],
    }


def test_admin_cannot_lock_themselves_out(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    admin_user = staff_by_role["admin"]
    response = client_for(admin_user).post(
        f"/staff/{admin_user.pk}/", {"role": "admin", "language": "en"}
    )
    assert response.status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_staff_edit_unknown_member_is_404(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    assert client_for(staff_by_role["admin"]).get("/staff/99999/").status_code == 404


def test_audit_filters_and_keyset_pages(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    admin_user = staff_by_role["admin"]
    for number in range(55):
        audit.record(
            actor=admin_user,
            action=AuditEntry.Action.UPDATE,
            object_type="demo.thing",
            object_id=str(number),
            changes={"name": [f"old {number}", f"new {number}"]},
        )
    client = client_for(admin_user)
    first = client.get("/audit/", {"object_type": "demo.thing", "action": "update"})
    assert first.status_code == 200
    ids = [entry.object_id for entry, _lines in first.context["rows"]]
    assert ids == [str(n) for n in range(54, 4, -1)]
    html = first.content.decode()
    assert "old 54 → new 54" in html
    older = first.context["older_query"]
    second = client.get(f"/audit/?{older}")
    assert [entry.object_id for entry, _lines in second.context["rows"]] == [
        "4",
        "3",
        "2",
        "1",
        "0",
    ]
    assert second.context["older_query"] == ""
    by_actor = client.get("/audit/", {"actor": "nobody"})
    assert by_actor.context["rows"] == []
    bad = client.get("/audit/", {"since": "2026-02-01", "until": "2026-01-01"})
    assert bad.status_code == 400
    assert client_for(staff_by_role["manager"]).get("/audit/").status_code == 403


def test_change_lines_are_readable() -> None:
    assert selectors.change_lines({"role": ["agent", None], "fields": ["a", "b", "c"]}) == [
        ("role", "agent → —"),
        ("fields", "a, b, c"),
    ]


def test_api_token_create_shows_secret_once_then_revoke(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    user = staff_by_role["agent"]
    client = client_for(user)
    response = client.post("/tokens/", {"name": "laptop"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("hl_")
    assert secret in response.content.decode()
    assert api_token_authenticate(secret) == user
    listing = client.get("/tokens/").content.decode()
    assert secret not in listing
    assert "laptop" in listing
    token = ApiToken.objects.get(user=user)
    other = client_for(staff_by_role["sales"])
    assert other.post(f"/tokens/{token.pk}/revoke/").status_code == 404
    assert client.get(f"/tokens/{token.pk}/revoke/").status_code == 405
    assert client.post(f"/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(secret) is None


def test_api_token_without_name_is_refused(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).post("/tokens/", {"name": " "})
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_search_staff_and_navigation(staff_by_role, client_for, make_staff) -> None:  # type: ignore[no-untyped-def]
    make_staff(Role.AGENT, username="wang.fang", display_name="王芳", email="fang@example.cn")
    admin = client_for(staff_by_role["admin"])
    partial = admin.get("/search/", {"q": "王"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert [(g.key, [h.title for h in g.hits]) for g in partial.context["groups"]] == [
        ("staff", ["王芳"])
    ]
    full = admin.get("/search/", {"q": "audit"})
    assert "<html" in full.content.decode()
    assert [(g.key, [h.url for h in g.hits]) for g in full.context["groups"]] == [
        ("navigation", ["/audit/"])
    ]
    agent = client_for(staff_by_role["agent"])
    assert agent.get("/search/", {"q": "王"}).context["groups"] == []  # no staff.view
    assert agent.get("/search/", {"q": "audit"}).context["groups"] == []  # not in their nav


def test_notifications_badge_panel_and_mark_all_read(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    user, other = staff_by_role["agent"], staff_by_role["sales"]
    for text in ("one", "two", "three"):
        notification_create(recipient=user, text=text)
    notification_create(recipient=other, text="not yours")
    client = client_for(user)
    badge = client.get("/notifications/badge/")
    assert 'data-count="3"' in badge.content.decode()
    page = client.get("/")
    assert 'data-count="3"' in page.content.decode()
    panel = client.get("/notifications/panel/", headers={"HX-Request": "true"})
    assert [n.text for n in panel.context["notifications"]] == ["three", "two", "one"]
    done = client.post("/notifications/read-all/", headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert done["HX-Trigger"] == "notifications-changed"
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
    assert 'data-count="0"' in client.get("/notifications/badge/").content.decode()
    assert client.get("/notifications/read-all/").status_code == 405


def test_anonymous_is_sent_to_sign_in(db, client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/staff/", "/audit/", "/tokens/", "/search/", "/notifications/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={url}"
