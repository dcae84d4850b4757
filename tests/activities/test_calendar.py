"""The iCalendar feed: RFC 5545 parsed back with icalendar, property by property; octet-based
folding of Chinese text; the secret address (hashed, regenerated, revoked, one user only)."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar

from heartline.activities import services
from heartline.activities.calendar import calendar_token_regenerate, calendar_token_revoke
from heartline.activities.models import Activity, CalendarFeed
from heartline.core.models import AuditEntry
from tests.activities.conftest import at, plan

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
NOW = at(2030, 5, 6, 9, 0)


@pytest.fixture(autouse=True)
def _frozen(settings):  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    with time_machine.travel(NOW, tick=False):
        yield


def feed(token: str) -> Client:
    return Client().get(f"/calendar/{token}.ics")


def components(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(c["SUMMARY"]): c for c in calendar.walk() if c.name in {"VEVENT", "VTODO"}}


def test_the_feed_parses_back_with_every_property(rep, zhang):
    meeting = plan(
        rep,
        kind="meeting",
        subject="Fitting",
        customer=zhang,
        due_at=at(2030, 5, 7, 14, 0),
        end_at=at(2030, 5, 7, 15, 30),
        location="Nanjing Road store",
        notes="Bring size 43",
        remind_minutes_before=30,
        priority=2,
    )
    call = plan(rep, subject="Quick call", due_at=at(2030, 5, 7, 10, 0))
    task = plan(rep, kind="task", subject="Send the quote", due_at=at(2030, 5, 8, 18, 0))
    all_day = plan(
        rep,
        kind="reminder",
        subject="Trade fair",
        due_at=at(2030, 5, 9, 12, 0),
        all_day=True,
        remind_minutes_before=60,
    )
    services.activity_complete(actor=rep, activity=task, outcome="sent")
    services.activity_cancel(actor=rep, activity=call, reason="no need")
    token = calendar_token_regenerate(actor=rep)

    response = feed(token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Heartline//Activities//EN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    found = components(response.content)
    assert sorted(found) == ["Fitting", "Quick call", "Send the quote", "Trade fair"]

    event = found["Fitting"]
    meeting.refresh_from_db()
    assert event.name == "VEVENT"
    assert str(event["UID"]) == f"{meeting.uid}@crm.example.com"
    assert event.decoded("DTSTART") == datetime.datetime(2030, 5, 7, 6, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime.datetime(2030, 5, 7, 7, 30, tzinfo=UTC)
    assert event.decoded("DTSTAMP") == meeting.updated_at.astimezone(UTC)
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["TRANSP"]) == "OPAQUE"
    assert str(event["LOCATION"]) == "Nanjing Road store"
    assert str(event["DESCRIPTION"]) == "张伟\n\nBring size 43"
    assert event["PRIORITY"] == 1
    (alarm,) = event.subcomponents
    assert alarm.name == "VALARM"
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -datetime.timedelta(minutes=30)

    cancelled = found["Quick call"]
    assert (cancelled.name, str(cancelled["STATUS"]), cancelled["SEQUENCE"]) == (
        "VEVENT",
        "CANCELLED",
        1,
    )
    assert cancelled.decoded("DTEND") - cancelled.decoded("DTSTART") == datetime.timedelta(
        minutes=15
    )

    todo = found["Send the quote"]
    assert todo.name == "VTODO"
    assert todo.decoded("DUE") == datetime.datetime(2030, 5, 8, 10, 0, tzinfo=UTC)
    assert str(todo["STATUS"]) == "COMPLETED"
    assert todo.decoded("COMPLETED") == datetime.datetime(2030, 5, 6, 1, 0, tzinfo=UTC)
    assert todo["PERCENT-COMPLETE"] == 100
    assert todo["SEQUENCE"] == 1

    fair = found["Trade fair"]
    assert fair.name == "VTODO"
    assert fair.decoded("DUE") == datetime.date(2030, 5, 9)
    assert str(fair["STATUS"]) == "NEEDS-ACTION"
    (fair_alarm,) = fair.subcomponents
    # An all-day reminder is an hour before 09:00 in Shanghai, given in UTC.
    assert fair_alarm.decoded("TRIGGER") == datetime.datetime(2030, 5, 9, 0, 0, tzinfo=UTC)
    all_day.refresh_from_db()
    assert all_day.remind_at == at(2030, 5, 9, 8, 0)


def test_changes_bump_the_sequence_and_the_uid_stays(rep):
    activity = plan(rep, kind="meeting", subject="Review")
    token = calendar_token_regenerate(actor=rep)
    before = components(feed(token).content)["Review"]
    services.activity_reschedule(actor=rep, activity=activity, due_at=at(2030, 5, 8, 9, 0))
    after = components(feed(token).content)["Review"]
    assert str(after["UID"]) == str(before["UID"])
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.decoded("DTSTART") == datetime.datetime(2030, 5, 8, 1, 0, tzinfo=UTC)


def test_chinese_text_is_folded_by_octets_without_splitting_a_character(rep):
    subject = (
        "拜访上海静安区南京西路一千二百六十六号恒隆广场办公楼三十八层的张伟先生讨论年度采购合同"
    )
    notes = "请带上样品册、报价单和合同草稿；" * 6
    plan(rep, kind="meeting", subject=subject, notes=notes, location="恒隆广场38楼")
    body = feed(calendar_token_regenerate(actor=rep)).content
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # no UTF-8 sequence is cut at a fold
    summary_lines = [i for i, line in enumerate(lines) if line.startswith(b"SUMMARY:")]
    (first,) = summary_lines
    assert lines[first + 1].startswith(b" ")  # it had to be folded
    event = components(body)[subject]
    assert str(event["DESCRIPTION"]) == notes
    assert str(event["LOCATION"]) == "恒隆广场38楼"


def test_a_token_shows_only_its_own_users_activities(rep, colleague):
    plan(rep, subject="Rep's call")
    plan(colleague, subject="Colleague's call")
    rep_token = calendar_token_regenerate(actor=rep)
    colleague_token = calendar_token_regenerate(actor=colleague)
    assert sorted(components(feed(rep_token).content)) == ["Rep's call"]
    assert sorted(components(feed(colleague_token).content)) == ["Colleague's call"]


def test_only_the_hash_is_stored_and_wrong_or_revoked_tokens_are_404(rep):
    token = calendar_token_regenerate(actor=rep)
    assert token.startswith("hlcal_")
    assert len(token) == 6 + 43
    stored = CalendarFeed.objects.get(user=rep)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(CalendarFeed.objects.values()))
    assert feed(token[:-1] + ("A" if token[-1] != "A" else "B")).status_code == 404
    assert feed("nope").status_code == 404
    assert feed("hlcal_" + "x" * 200).status_code == 404

    newer = calendar_token_regenerate(actor=rep)
    assert feed(token).status_code == 404
    assert feed(newer).status_code == 200
    assert CalendarFeed.objects.count() == 1
    assert calendar_token_revoke(actor=rep) is True
    assert feed(newer).status_code == 404
    assert calendar_token_revoke(actor=rep) is False


def test_reading_the_feed_is_audited_once_per_five_minutes(rep):
    token = calendar_token_regenerate(actor=rep)
    feed(token)
    feed(token)
    views = AuditEntry.objects.filter(action="view", object_type="activities.calendarfeed")
    assert views.count() == 1
    assert views.get().actor == rep
    with time_machine.travel(NOW + datetime.timedelta(minutes=6), tick=False):
        feed(token)
    assert views.count() == 2


def test_a_deactivated_user_s_feed_stops(rep):
    token = calendar_token_regenerate(actor=rep)
    rep.is_active = False
    rep.save()
    assert feed(token).status_code == 404


def test_the_feed_grants_nothing_else(rep):
    token = calendar_token_regenerate(actor=rep)
    client = Client()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert client.get("/activities/").status_code == 302  # still not signed in
    assert client.post(f"/calendar/{token}.ics").status_code == 405
    assert client.get("/api/v1/activities", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_page_makes_shows_once_and_stops_an_address(rep, client_for):
    client = client_for(rep)
    response = client.post("/activities/calendar/", {"action": "regenerate"})
    assert response.status_code == 200
    url = response.context["new_feed_url"]
    assert url.startswith("https://crm.example.com/calendar/hlcal_")
    assert url.endswith(".ics")
    assert response.context["new_feed_webcal"] == "webcal://" + url[len("https://") :]
    token = url.rsplit("/", 1)[1][: -len(".ics")]
    assert feed(token).status_code == 200
    page = client.get("/activities/").content.decode()
    assert token not in page
    assert CalendarFeed.objects.get().prefix in page
    response = client.post("/activities/calendar/", {"action": "revoke"})
    assert (response.status_code, response["Location"]) == (302, "/activities/")
    assert feed(token).status_code == 404
    assert client.post("/activities/calendar/", {"action": "steal"}).status_code == 400
    assert Activity.objects.count() == 0
