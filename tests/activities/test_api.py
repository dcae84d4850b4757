"""/api/v1/activities: list one's own with filters, create, read, patch, complete, cancel."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from heartline.activities.models import Activity
from heartline.core.models import AuditEntry
from heartline.timeline.models import Interaction
from tests.activities.conftest import at, plan
from tests.api.conftest import error

pytestmark = pytest.mark.django_db
NOW = at(2030, 5, 6, 9, 0)


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(token_of, rep) -> Client:  # type: ignore[no-untyped-def]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_of(rep)}")


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(path, body, content_type="application/json")


def test_create_then_read(api, rep, zhang):
    response = post(
        api,
        "/api/v1/activities",
        {
            "kind": "meeting",
            "subject": "试穿",
            "due_at": "2030-05-07T14:00:00+08:00",
            "duration_minutes": 45,
            "customer_id": zhang.pk,
            "location": "Store",
            "remind_minutes_before": 30,
            "priority": 2,
        },
    )
    assert response.status_code == 201, response.json()
    activity = Activity.objects.get()
    body = response.json()
    assert body == {
        "id": activity.pk,
        "uid": str(activity.uid),
        "kind": "meeting",
        "subject": "试穿",
        "notes": "",
        "due_at": "2030-05-07T06:00:00Z",
        "all_day": False,
        "end_at": "2030-05-07T06:45:00Z",
        "location": "Store",
        "priority": 2,
        "owner_id": rep.pk,
        "created_by_id": rep.pk,
        "customer_id": zhang.pk,
        "deal_id": None,
        "link_type": "",
        "link_id": "",
        "status": "planned",
        "outcome": "",
        "completed_at": None,
        "follow_up_of_id": None,
        "remind_minutes_before": 30,
        "remind_at": "2030-05-07T05:30:00Z",
        "reminder_sent_at": None,
        "sequence": 0,
        "created_at": "2030-05-06T01:00:00Z",
        "updated_at": "2030-05-06T01:00:00Z",
    }
    assert api.get(f"/api/v1/activities/{activity.pk}").json() == body


def test_list_is_mine_with_filters_and_pages(api, rep, colleague, zhang):
    calls = [plan(rep, subject=f"Call {i}", due_at=at(2030, 5, 7, 9 + i, 0)) for i in range(3)]
    meeting = plan(rep, kind="meeting", subject="Meet", customer=zhang)
    plan(colleague, subject="Not mine")
    listed = api.get("/api/v1/activities").json()
    assert [i["subject"] for i in listed["items"]] == ["Meet", "Call 2", "Call 1", "Call 0"]
    assert listed["next_cursor"] is None
    only = api.get("/api/v1/activities", {"kind": "meeting"}).json()["items"]
    assert [i["id"] for i in only] == [meeting.pk]
    by_customer = api.get("/api/v1/activities", {"customer_id": zhang.pk}).json()["items"]
    assert [i["id"] for i in by_customer] == [meeting.pk]
    window = api.get(
        "/api/v1/activities",
        {"due_from": "2030-05-07T10:00:00+08:00", "due_to": "2030-05-07T10:30:00+08:00"},
    ).json()["items"]
    assert [i["id"] for i in window] == [calls[1].pk]
    first = api.get("/api/v1/activities", {"limit": 2}).json()
    assert [i["subject"] for i in first["items"]] == ["Meet", "Call 2"]
    second = api.get("/api/v1/activities", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["subject"] for i in second["items"]] == ["Call 1", "Call 0"]


def test_a_colleagues_list_shows_only_what_one_may_see(api, colleague, zhang):
    plan(colleague, subject="Private")
    shared = plan(colleague, subject="About Zhang", customer=zhang)
    items = api.get("/api/v1/activities", {"owner_id": colleague.pk}).json()["items"]
    assert [i["id"] for i in items] == [shared.pk]


def test_patch_changes_only_what_is_sent(api, rep):
    activity = plan(rep, end_at=at(2030, 5, 6, 10, 30))
    response = patch(
        api,
        f"/api/v1/activities/{activity.pk}",
        {"due_at": "2030-05-08T16:00:00+08:00", "remind_minutes_before": 10},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["due_at"], body["end_at"], body["remind_at"]) == (
        "2030-05-08T08:00:00Z",
        "2030-05-08T08:30:00Z",
        "2030-05-08T07:50:00Z",
    )
    assert (body["subject"], body["sequence"]) == ("Call about the order", 1)
    body = patch(api, f"/api/v1/activities/{activity.pk}", {"duration_minutes": None}).json()
    assert body["end_at"] is None


def test_complete_records_the_contact_and_a_second_time_is_409(api, rep, zhang):
    activity = plan(rep, customer=zhang)
    response = post(
        api,
        f"/api/v1/activities/{activity.pk}/complete",
        {"outcome": "Will order", "follow_up_due": "2030-05-10"},
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["completed_at"]) == (
        "done",
        "2030-05-06T01:00:00Z",
    )
    row = Interaction.objects.get()
    assert (row.channel, row.outcome, row.follow_up_due) == (
        "phone",
        "Will order",
        datetime.date(2030, 5, 10),
    )
    again = post(api, f"/api/v1/activities/{activity.pk}/complete", {})
    assert again.status_code == 409
    assert again.json() == error(
        "activity_closed", "This activity is already done.", {"status": "done"}
    )
    assert Interaction.objects.count() == 1
    assert Activity.objects.filter(follow_up_of=activity).count() == 1


def test_cancel(api, rep):
    activity = plan(rep)
    response = post(api, f"/api/v1/activities/{activity.pk}/cancel", {"reason": "moved"})
    assert (response.status_code, response.json()["status"], response.json()["outcome"]) == (
        200,
        "cancelled",
        "moved",
    )


def test_someone_elses_activity_is_404_or_403_and_unchanged(api, colleague, zhang):
    private = plan(colleague, subject="Private")
    shared = plan(colleague, subject="About Zhang", customer=zhang)
    assert api.get(f"/api/v1/activities/{private.pk}").status_code == 404
    assert patch(api, f"/api/v1/activities/{private.pk}", {"subject": "x"}).status_code == 404
    audit = AuditEntry.objects.count()
    response = patch(api, f"/api/v1/activities/{shared.pk}", {"subject": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    response = post(api, f"/api/v1/activities/{shared.pk}/complete", {"outcome": "x"})
    assert response.status_code == 403
    assert AuditEntry.objects.count() == audit
    shared.refresh_from_db()
    assert (shared.subject, shared.status) == ("About Zhang", "planned")


def test_planning_for_someone_else_needs_a_manager(api, colleague, manager, token_of):
    body = {"kind": "task", "subject": "x", "due_at": "2030-05-07T09:00:00+08:00"}
    response = post(api, "/api/v1/activities", {**body, "owner_id": colleague.pk})
    assert response.status_code == 403
    boss = Client(HTTP_AUTHORIZATION=f"Bearer {token_of(manager)}")
    response = post(boss, "/api/v1/activities", {**body, "owner_id": colleague.pk})
    assert (response.status_code, response.json()["owner_id"]) == (201, colleague.pk)


@pytest.mark.parametrize(
    ("body", "status", "details"),
    [
        (
            {"kind": "call", "subject": "x", "due_at": "2150-01-01T09:00:00+08:00"},
            400,
            {"due_at": ["Give a date between 2000 and 2100."]},
        ),
        (
            {"kind": "call", "subject": "  ", "due_at": "2030-05-07T09:00:00+08:00"},
            400,
            {"subject": ["Say what the activity is about."]},
        ),
        (
            {"kind": "call", "subject": "x", "due_at": "2030-05-07T09:00:00+08:00", "link_id": "7"},
            400,
            {"link_type": ["Give both the link's type and its id."]},
        ),
    ],
)
def test_bad_input_is_400_with_details_and_writes_nothing(api, body, status, details):
    audit = AuditEntry.objects.count()
    response = post(api, "/api/v1/activities", body)
    assert response.status_code == status
    assert response.json() == error("bad_request", "The request is not valid.", details)
    assert (Activity.objects.count(), AuditEntry.objects.count()) == (0, audit)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "fax", "subject": "x", "due_at": "2030-05-07T09:00:00+08:00"},
        {"kind": "call", "subject": "x", "due_at": "2030-05-07T09:00:00"},  # no offset
        {"kind": "call", "subject": "x", "due_at": "2030-05-07T09:00:00Z", "spam": 1},
        {"kind": "call", "subject": "", "due_at": "2030-05-07T09:00:00Z"},
        {"kind": "call", "subject": "x", "due_at": "2030-05-07T09:00:00Z", "duration_minutes": 0},
    ],
)
def test_schema_violations_are_422(api, body):
    response = post(api, "/api/v1/activities", body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert Activity.objects.count() == 0


def test_patch_refuses_null_for_a_required_field(api, rep):
    activity = plan(rep)
    response = patch(api, f"/api/v1/activities/{activity.pk}", {"subject": None})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"subject": ["This field cannot be null."]}


def test_session_posts_need_csrf(rep, zhang):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    activity = plan(rep, customer=zhang)
    response = post(client, f"/api/v1/activities/{activity.pk}/complete", {})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    activity.refresh_from_db()
    assert activity.status == "planned"


def test_an_analyst_may_not(make_staff, token_of):
    analyst = make_staff("analyst", username="numbers")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_of(analyst)}")
    assert client.get("/api/v1/activities").status_code == 403
