"""Activity services: plan, change, reschedule, complete (onto the timeline), cancel; who may."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.activities import services
from heartline.activities.models import Activity
from heartline.activities.selectors import activities_for, activity_for_user
from heartline.core.errors import Conflict
from heartline.core.models import AuditEntry, OutboxEvent
from heartline.customers import services as customers
from heartline.customers.merge import customer_merge
from heartline.customers.services import IdentityInput
from heartline.sales.models import Deal, Pipeline, Stage
from heartline.timeline.models import Interaction
from heartline.timeline.selectors import customer_360
from tests.activities.conftest import at, plan

pytestmark = pytest.mark.django_db
NOW = at(2030, 5, 6, 9, 30)


@pytest.fixture(autouse=True)
def _frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def make_deal(customer, owner=None) -> Deal:  # type: ignore[no-untyped-def]
    pipeline = Pipeline.objects.create(name_en="New business")
    stage = Stage.objects.create(pipeline=pipeline, name_en="Proposal", probability=40)
    return Deal.objects.create(
        title="Shoes for the team", customer=customer, pipeline=pipeline, stage=stage, owner=owner
    )


def counts() -> tuple[int, int, int, int]:
    return (
        Activity.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
        Interaction.objects.count(),
    )


def test_create_stores_the_activity_with_its_reminder_audit_and_event(rep, zhang):
    activity = plan(
        rep,
        customer=zhang,
        notes="  Ask about size 43  ",
        remind_minutes_before=15,
        end_at=at(2030, 5, 6, 10, 20),
        priority=2,
    )
    activity.refresh_from_db()
    assert (activity.kind, activity.subject, activity.notes) == (
        "call",
        "Call about the order",
        "Ask about size 43",
    )
    assert activity.owner == rep
    assert activity.created_by == rep
    assert activity.customer == zhang
    assert activity.status == "planned"
    assert activity.priority == 2
    assert activity.due_at == at(2030, 5, 6, 10, 0)
    assert activity.end_at == at(2030, 5, 6, 10, 20)
    assert activity.remind_at == at(2030, 5, 6, 9, 45)
    assert activity.reminder_sent_at is None
    assert activity.sequence == 0
    entry = AuditEntry.objects.filter(object_type="activities.activity").get()
    assert (entry.action, entry.actor, entry.object_id) == ("create", rep, str(activity.pk))
    assert entry.changes["subject"] == [None, "Call about the order"]
    assert entry.changes["customer"] == [None, zhang.pk]
    assert entry.changes["due_at"] == [None, "2030-05-06T10:00:00+08:00"]
    event = OutboxEvent.objects.filter(type="activity.changed").get()
    assert event.payload == {
        "activity_id": activity.pk,
        "owner_id": rep.pk,
        "customer_id": zhang.pk,
        "change": "created",
    }
    assert event.groups == [f"user.{rep.pk}"]


def test_an_all_day_activity_sits_at_local_midnight_and_reminds_from_nine(rep):
    activity = plan(
        rep,
        kind="task",
        subject="Prepare the quote",
        due_at=at(2030, 5, 7, 16, 45),
        all_day=True,
        end_at=at(2030, 5, 7, 18, 0),
        remind_minutes_before=30,
    )
    assert activity.due_at == at(2030, 5, 7, 0, 0)
    assert activity.end_at is None
    assert activity.remind_at == at(2030, 5, 7, 8, 30)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "fax"}, {"kind": ["Unknown kind fax."]}),
        ({"subject": "   "}, {"subject": ["Say what the activity is about."]}),
        ({"subject": "x" * 201}, {"subject": ["Keep this under 200 characters."]}),
        (
            {"due_at": datetime.datetime(2030, 5, 6, 10, 0)},
            {"due_at": ["Give the date and time with its time zone."]},
        ),
        ({"due_at": at(2150, 1, 1, 0, 0)}, {"due_at": ["Give a date between 2000 and 2100."]}),
        (
            {"end_at": at(2030, 5, 6, 9, 0)},
            {"end_at": ["An activity cannot end before it starts."]},
        ),
        (
            {"end_at": at(2030, 5, 14, 10, 0)},
            {"end_at": ["An activity lasts at most seven days."]},
        ),
        (
            {"remind_minutes_before": -5},
            {"remind_minutes_before": ["Remind between 0 and 20160 minutes before."]},
        ),
        ({"priority": 7}, {"priority": ["Priority is 0 (low), 1 (normal) or 2 (high)."]}),
        ({"link_type": "ticket"}, {"link_type": ["Give both the link's type and its id."]}),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(rep, fields, errors):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        plan(rep, **fields)
    assert caught.value.message_dict == errors
    assert counts() == before


def test_only_a_manager_plans_for_someone_else(rep, colleague, manager):
    before = counts()
    with pytest.raises(PermissionDenied):
        plan(rep, owner=colleague)
    assert counts() == before
    activity = plan(manager, owner=colleague)
    assert (activity.owner, activity.created_by) == (colleague, manager)


def test_an_owner_must_be_able_to_own_activities(manager, make_staff):
    analyst = make_staff("analyst", username="numbers")
    with pytest.raises(ValidationError) as caught:
        plan(manager, owner=analyst)
    assert caught.value.message_dict == {"owner": ["numbers cannot own activities."]}


def test_someone_elses_activity_cannot_be_changed_but_a_managers_can(rep, colleague, manager):
    activity = plan(rep)
    before = counts()
    for change in (
        lambda: services.activity_update(actor=colleague, activity=activity, subject="Mine"),
        lambda: services.activity_complete(actor=colleague, activity=activity, outcome="x"),
        lambda: services.activity_cancel(actor=colleague, activity=activity),
        lambda: services.activity_reschedule(
            actor=colleague, activity=activity, due_at=at(2030, 5, 8, 9, 0)
        ),
    ):
        with pytest.raises(PermissionDenied):
            change()
    assert counts() == before
    activity.refresh_from_db()
    assert (activity.subject, activity.status, activity.sequence) == (
        "Call about the order",
        "planned",
        0,
    )
    services.activity_update(actor=manager, activity=activity, subject="Call Zhang back")
    activity.refresh_from_db()
    assert (activity.subject, activity.sequence) == ("Call Zhang back", 1)


def test_update_records_only_what_changed_and_bumps_the_sequence(rep):
    activity = plan(rep, remind_minutes_before=10)
    updated = services.activity_update(actor=rep, activity=activity, subject="Call about the order")
    assert updated.sequence == 0  # nothing changed: no write, no audit
    assert AuditEntry.objects.filter(action="update").count() == 0
    updated = services.activity_update(
        actor=rep, activity=activity, location="Office 3F", notes="bring samples"
    )
    assert updated.sequence == 1
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes == {"location": ["", "Office 3F"], "notes": ["", "bring samples"]}


def test_reschedule_keeps_the_length_and_rearms_a_sent_reminder(rep):
    activity = plan(rep, kind="meeting", end_at=at(2030, 5, 6, 11, 30), remind_minutes_before=60)
    Activity.objects.filter(pk=activity.pk).update(reminder_sent_at=NOW, reminder_email="sent")
    moved = services.activity_reschedule(actor=rep, activity=activity, due_at=at(2030, 5, 9, 14, 0))
    moved.refresh_from_db()
    assert (moved.due_at, moved.end_at) == (at(2030, 5, 9, 14, 0), at(2030, 5, 9, 15, 30))
    assert moved.remind_at == at(2030, 5, 9, 13, 0)
    assert (moved.reminder_sent_at, moved.reminder_email) == (None, "")
    assert moved.sequence == 1
    assert OutboxEvent.objects.filter(type="activity.changed").count() == 2
    assert OutboxEvent.objects.latest("id").payload["change"] == "rescheduled"


def test_completing_a_call_records_the_contact_once_on_the_timeline(rep, zhang):
    activity = plan(rep, customer=zhang, notes="Size 43 arrived?")
    done = services.activity_complete(
        actor=rep,
        activity=activity,
        outcome="  Will pick up on Saturday ",
        follow_up="Check the pick-up",
        follow_up_due=datetime.date(2030, 5, 11),
    )
    assert (done.status, done.outcome, done.completed_at) == (
        "done",
        "Will pick up on Saturday",
        NOW,
    )
    assert done.sequence == 1
    row = Interaction.objects.get()
    assert row.customer == zhang
    assert (row.channel, row.direction, row.occurred_at) == ("phone", "out", NOW)
    assert (row.topic, row.summary, row.outcome) == (
        "Call about the order",
        "Size 43 arrived?",
        "Will pick up on Saturday",
    )
    assert (row.follow_up, row.follow_up_due) == ("Check the pick-up", datetime.date(2030, 5, 11))
    assert (row.staff, row.link_type, row.link_id) == (rep, "activity", str(activity.pk))
    assert (row.source, row.source_ref) == ("activity", str(activity.pk))
    follow = Activity.objects.get(follow_up_of=activity)
    assert (follow.kind, follow.subject, follow.all_day, follow.due_at) == (
        "task",
        "Check the pick-up",
        True,
        at(2030, 5, 11, 0, 0),
    )
    assert (follow.owner, follow.customer, follow.status) == (rep, zhang, "planned")

    before = counts()
    with pytest.raises(Conflict) as caught:
        services.activity_complete(actor=rep, activity=activity, outcome="again")
    assert caught.value.messages == ["This activity is already done."]
    assert caught.value.details == {"status": "done"}
    assert counts() == before


@pytest.mark.parametrize(
    ("kind", "location", "channel"),
    [
        ("meeting", "Nanjing Road store", "store"),
        ("meeting", "https://meet.example.com/abc", "web"),
        ("email", "", "email"),
    ],
)
def test_meetings_and_emails_land_on_their_channel(rep, zhang, kind, location, channel):
    activity = plan(rep, kind=kind, location=location, customer=zhang)
    services.activity_complete(actor=rep, activity=activity, outcome="ok")
    assert list(Interaction.objects.values_list("channel", flat=True)) == [channel]


def test_tasks_and_contacts_without_a_customer_leave_the_timeline_alone(rep, zhang):
    services.activity_complete(
        actor=rep, activity=plan(rep, kind="task", customer=zhang), outcome="done"
    )
    services.activity_complete(actor=rep, activity=plan(rep, kind="call"), outcome="done")
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"outcome": "x" * 201}, {"outcome": ["Keep the outcome under 200 characters."]}),
        (
            {"completed_at": at(2030, 5, 6, 12, 0)},
            {"completed_at": ["An activity cannot be done in the future."]},
        ),
        (
            {"follow_up_due": datetime.date(2030, 5, 5)},
            {"follow_up_due": ["A follow-up is due today or later."]},
        ),
        ({"follow_up": "call again"}, {"follow_up_due": ["Give the date of the follow-up."]}),
    ],
)
def test_bad_completion_changes_nothing(rep, zhang, fields, errors):
    activity = plan(rep, customer=zhang)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.activity_complete(actor=rep, activity=activity, **fields)
    assert caught.value.message_dict == errors
    assert counts() == before
    activity.refresh_from_db()
    assert activity.status == "planned"


def test_cancel_keeps_the_activity_cancelled_with_its_reason(rep):
    activity = plan(rep)
    cancelled = services.activity_cancel(actor=rep, activity=activity, reason="Customer away")
    assert (cancelled.status, cancelled.outcome, cancelled.sequence) == (
        "cancelled",
        "Customer away",
        1,
    )
    with pytest.raises(Conflict):
        services.activity_update(actor=rep, activity=activity, subject="later")


def test_a_deal_brings_its_customer_and_must_match_a_given_one(rep, zhang):
    deal = make_deal(zhang, owner=rep)
    activity = plan(rep, deal=deal)
    assert (activity.deal, activity.customer) == (deal, zhang)
    other = customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13900139000")], name_cjk="王芳"
    )
    with pytest.raises(ValidationError) as caught:
        plan(rep, deal=deal, customer=other)
    assert caught.value.message_dict == {"deal": ["The deal belongs to another customer."]}
    assert [a.pk for a in activities_for(rep, deal_id=deal.pk)] == [activity.pk]


def test_an_agent_without_deals_view_cannot_link_a_deal(make_staff, zhang):
    agent = make_staff("agent", username="agent")
    deal = make_deal(zhang)
    with pytest.raises(PermissionDenied):
        plan(agent, deal=deal)


def test_visibility_owner_customer_colleagues_and_managers(rep, colleague, manager, zhang):
    private = plan(rep, subject="Dentist")
    about_zhang = plan(rep, customer=zhang)
    with pytest.raises(Activity.DoesNotExist):
        activity_for_user(colleague, private.pk)
    assert activity_for_user(colleague, about_zhang.pk) == about_zhang
    assert activity_for_user(manager, private.pk) == private
    assert [a.pk for a in activities_for(colleague, customer_id=zhang.pk)] == [about_zhang.pk]


def test_merge_moves_activities_and_the_360_shows_the_next_ones(rep, manager, zhang):
    twin = customers.customer_create(
        actor=None, identities_in=[IdentityInput("email", "wei@example.com")], name_cjk="张伟"
    )
    moved = plan(rep, customer=twin, subject="Visit", due_at=at(2030, 5, 8, 15, 0))
    plan(rep, customer=zhang, subject="First", due_at=at(2030, 5, 7, 9, 0))
    customer_merge(actor=manager, survivor=zhang, duplicate=twin, choose={})
    moved.refresh_from_db()
    assert moved.customer == zhang
    section = customer_360(manager, zhang.pk)["sections"]["activities"]
    assert [(s["subject"], s["kind"], s["due_at"]) for s in section] == [
        ("First", "call", at(2030, 5, 7, 9, 0)),
        ("Visit", "call", at(2030, 5, 8, 15, 0)),
    ]
