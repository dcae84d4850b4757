"""My day: groups by day as Shanghai counts them, at the boundaries; the page, quick add and
completing in place (htmx), filters, the customer section; CSRF; bad input; others' rows."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client

from heartline.activities.models import Activity
from heartline.activities.selectors import my_day
from heartline.core.models import AuditEntry
from heartline.timeline.models import Interaction
from tests.activities.conftest import at, plan

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def subjects(rows: list[Activity]) -> list[str]:
    return [a.subject for a in rows]


def test_grouping_follows_shanghai_days_at_the_boundaries(rep):
    # Planned at 16:00 UTC on the 5th = midnight on the 6th in Shanghai.
    with time_machine.travel(at(2030, 5, 1, 12, 0), tick=False):
        plan(rep, subject="last minute of the 5th", due_at=at(2030, 5, 5, 23, 59))
        plan(rep, subject="first minute of the 6th", due_at=at(2030, 5, 6, 0, 0))
        plan(rep, subject="late on the 6th", due_at=at(2030, 5, 6, 23, 59))
        plan(rep, subject="midnight of the 7th", due_at=at(2030, 5, 7, 0, 0))
        plan(rep, subject="last of the week", due_at=at(2030, 5, 13, 23, 59))
        plan(rep, subject="too far", due_at=at(2030, 5, 14, 0, 0))
        plan(rep, subject="all day today", due_at=at(2030, 5, 6, 15, 0), all_day=True)
        plan(rep, kind="task", subject="high first", due_at=at(2030, 5, 7, 0, 0), priority=2)
    # 00:00:30 on the 6th in Shanghai is still the 5th in UTC.
    with time_machine.travel(at(2030, 5, 6, 0, 0, 30), tick=False):
        day = my_day(rep)
    assert day.today == datetime.date(2030, 5, 6)
    assert subjects(day.overdue) == ["last minute of the 5th"]
    assert subjects(day.due_today) == [
        "first minute of the 6th",
        "all day today",
        "late on the 6th",
    ]
    assert [(d, subjects(rows)) for d, rows in day.upcoming] == [
        (datetime.date(2030, 5, 7), ["high first", "midnight of the 7th"]),
        (datetime.date(2030, 5, 13), ["last of the week"]),
    ]
    assert day.count == 7
    # One minute before midnight on the 6th: nothing moves yet.
    with time_machine.travel(at(2030, 5, 6, 23, 59, 59), tick=False):
        assert subjects(my_day(rep).overdue) == ["last minute of the 5th"]
    # Midnight: the 6th's activities are overdue, the 7th's are today's, "too far" arrives.
    with time_machine.travel(at(2030, 5, 7, 0, 0), tick=False):
        day = my_day(rep)
    assert subjects(day.overdue) == [
        "last minute of the 5th",
        "first minute of the 6th",
        "all day today",
        "late on the 6th",
    ]
    assert subjects(day.due_today) == ["high first", "midnight of the 7th"]
    assert [d for d, _ in day.upcoming] == [datetime.date(2030, 5, 13), datetime.date(2030, 5, 14)]
    assert subjects(my_day(rep, kind="task", now=at(2030, 5, 7, 0, 0)).due_today) == ["high first"]


def test_my_day_shows_only_ones_own_and_what_was_done_today(rep, colleague):
    with time_machine.travel(at(2030, 5, 6, 9, 0), tick=False):
        mine = plan(rep, subject="Mine", due_at=at(2030, 5, 6, 11, 0))
        plan(colleague, subject="Theirs", due_at=at(2030, 5, 6, 11, 0))
        done = plan(rep, subject="Done early", due_at=at(2030, 5, 6, 8, 0))
        Activity.objects.filter(pk=done.pk).update(status="done", completed_at=at(2030, 5, 6, 8, 5))
        day = my_day(rep)
    assert [a.pk for a in day.due_today] == [mine.pk]
    assert subjects(day.done_today) == ["Done early"]


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(at(2030, 5, 6, 9, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def rep_client(frozen, rep, client_for) -> Client:  # type: ignore[no-untyped-def]
    return client_for(rep)


def test_the_page_groups_and_filters(rep, rep_client):
    plan(rep, subject="Call Zhang", due_at=at(2030, 5, 6, 11, 0))
    plan(rep, kind="meeting", subject="Visit Wang", due_at=at(2030, 5, 8, 14, 30))
    plan(rep, kind="task", subject="Send catalogue", due_at=at(2030, 5, 4, 9, 0))
    response = rep_client.get("/activities/")
    filtered = rep_client.get("/activities/", {"kind": "meeting"})
    bad = rep_client.get("/activities/", {"kind": "fax"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Send catalogue") < html.index("Call Zhang") < html.index("Visit Wang")
    assert 'data-date="2030-05-08"' in html
    assert ">11:00<" in html  # today's rows show the time, in Shanghai
    assert "2030-05-04 09:00" in html  # overdue rows show the date
    assert subjects(filtered.context["day"].upcoming[0][1]) == ["Visit Wang"]
    assert filtered.context["day"].due_today == []
    assert (bad.status_code, bad.content.decode()) == (400, "Unknown kind.")


def test_quick_add_by_htmx_answers_the_refreshed_section(rep, rep_client, zhang):
    with time_machine.travel(at(2030, 5, 6, 9, 0), tick=False):
        response = rep_client.post(
            "/activities/new/",
            {
                "context": "my_day",
                "kind": "call",
                "subject": "回访张伟",
                "due_at": "2030-05-06T15:30",
                "duration_minutes": "20",
                "remind_minutes_before": "15",
                "priority": "1",
                "customer_id": str(zhang.pk),
            },
            **HTMX,
        )
    assert response.status_code == 200
    assert response.templates[0].name == "activities/_my_day_lists.html"
    activity = Activity.objects.get()
    assert (activity.subject, activity.kind, activity.customer, activity.owner) == (
        "回访张伟",
        "call",
        zhang,
        rep,
    )
    assert (activity.due_at, activity.end_at, activity.remind_at) == (
        at(2030, 5, 6, 15, 30),
        at(2030, 5, 6, 15, 50),
        at(2030, 5, 6, 15, 15),
    )
    assert "回访张伟" in response.content.decode()


def test_quick_add_with_bad_input_answers_400_with_the_form_and_writes_nothing(rep_client):
    audit = AuditEntry.objects.count()
    response = rep_client.post(
        "/activities/new/",
        {"context": "my_day", "kind": "fax", "subject": "", "due_at": "tomorrow", "priority": "1"},
        **HTMX,
    )
    assert response.status_code == 400
    errors = response.context["add_form"].errors
    assert errors["kind"] == ["Select a valid choice. fax is not one of the available choices."]
    assert errors["subject"] == ["This field is required."]
    assert errors["due_at"] == ["Enter a valid date/time."]
    assert Activity.objects.count() == 0
    assert AuditEntry.objects.count() == audit
    # A service refusal (the year) shows on the form too.
    response = rep_client.post(
        "/activities/new/",
        {"kind": "call", "subject": "x", "due_at": "2150-01-01T09:00", "priority": "1"},
        **HTMX,
    )
    assert response.status_code == 400
    assert response.context["add_form"].errors["due_at"] == ["Give a date between 2000 and 2100."]
    assert Activity.objects.count() == 0


def test_quick_add_without_htmx_redirects_to_the_customer(rep_client, zhang):
    response = rep_client.post(
        "/activities/new/",
        {
            "context": "customer",
            "customer_id": str(zhang.pk),
            "kind": "meeting",
            "subject": "Fitting",
            "due_at": "2030-05-06T15:30",
            "priority": "1",
        },
    )
    assert (response.status_code, response["Location"]) == (302, f"/customers/{zhang.pk}/")


def test_a_customer_that_does_not_exist_is_404(rep_client):
    response = rep_client.post(
        "/activities/new/",
        {
            "kind": "call",
            "subject": "x",
            "due_at": "2030-05-06T15:30",
            "priority": "1",
            "customer_id": "999999",
        },
        **HTMX,
    )
    assert response.status_code == 404
    assert Activity.objects.count() == 0


def test_complete_in_place_lands_on_the_timeline(rep, rep_client, zhang):
    with time_machine.travel(at(2030, 5, 6, 9, 0), tick=False):
        activity = plan(rep, customer=zhang, due_at=at(2030, 5, 6, 11, 0))
        response = rep_client.post(
            f"/activities/{activity.pk}/complete/",
            {"context": "customer", "outcome": "Ordered two pairs", "follow_up_due": ""},
            **HTMX,
        )
    assert response.status_code == 200
    assert response.templates[0].name == "activities/_object_section.html"
    html = response.content.decode()
    assert 'data-status="done"' in html
    assert "Ordered two pairs" in html
    row = Interaction.objects.get()
    assert (row.outcome, row.channel, row.source_ref) == (
        "Ordered two pairs",
        "phone",
        str(activity.pk),
    )
    again = rep_client.post(
        f"/activities/{activity.pk}/complete/", {"context": "customer", "outcome": "x"}, **HTMX
    )
    assert again.status_code == 409
    assert again.context["problem"] == "This activity is already done."
    assert Interaction.objects.count() == 1


def test_someone_elses_activity_is_404_or_403(frozen, rep, colleague, client_for, zhang):
    private = plan(rep, subject="Private")
    about_zhang = plan(rep, customer=zhang)
    other = client_for(colleague)
    assert other.post(f"/activities/{private.pk}/complete/", {"outcome": "x"}).status_code == 404
    response = other.post(f"/activities/{about_zhang.pk}/cancel/", {"reason": "x"})
    assert response.status_code == 403
    assert list(Activity.objects.values_list("status", flat=True)) == ["planned", "planned"]


def test_posts_need_the_csrf_token(frozen, rep, zhang):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    activity = plan(rep, customer=zhang)
    response = client.post(f"/activities/{activity.pk}/complete/", {"outcome": "x"})
    assert response.status_code == 403
    response = client.post(
        "/activities/new/", {"kind": "call", "subject": "x", "due_at": "2030-05-06T15:30"}
    )
    assert response.status_code == 403
    activity.refresh_from_db()
    assert (activity.status, Activity.objects.count()) == ("planned", 1)


def test_the_customer_desk_loads_the_activities_section(rep, rep_client, zhang):
    plan(rep, customer=zhang, subject="Bring the catalogue")
    desk = rep_client.get(f"/customers/{zhang.pk}/").content.decode()
    assert f'hx-get="/activities/customer/{zhang.pk}/"' in desk
    section = rep_client.get(f"/activities/customer/{zhang.pk}/")
    assert section.status_code == 200
    assert "Bring the catalogue" in section.content.decode()
    assert section.context["add_form"].initial["customer_id"] == zhang.pk
    assert rep_client.get("/activities/customer/999999/").status_code == 404
