from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.core.models import AuditEntry, OutboxEvent
from heartline.customers import services as customers
from heartline.customers.services import IdentityInput
from heartline.timeline.batch import InteractionInput, interactions_record
from heartline.timeline.models import Interaction


@pytest.fixture
def two_customers(staff_by_role):
    agent = staff_by_role["agent"]
    return [
        customers.customer_create(actor=agent, identities_in=[IdentityInput("phone", p)])
        for p in ("13900000001", "13900000002")
    ]


@pytest.mark.django_db
def test_batch_writes_rows_audit_and_events_and_skips_known_source_refs(
    staff_by_role, two_customers
):
    agent = staff_by_role["agent"]
    a, b = two_customers
    when = timezone.now() - datetime.timedelta(hours=1)
    audit_before = AuditEntry.objects.count()
    events_before = OutboxEvent.objects.filter(type="interaction.recorded").count()
    first = interactions_record(
        actor=agent,
        items=[
            InteractionInput(
                a.pk, "email", "in", when, summary="m1", source="imap", source_ref="<1@x>"
            ),
            InteractionInput(b.pk, "chat", "in", summary="c1"),
            InteractionInput(
                a.pk, "email", "in", when, summary="m1 again", source="imap", source_ref="<1@x>"
            ),
        ],
    )
    assert [(r.summary, created) for r, created in first] == [
        ("m1", True),
        ("c1", True),
        ("m1", False),
    ]
    assert first[0][0].pk == first[2][0].pk
    assert Interaction.objects.count() == 2
    assert AuditEntry.objects.count() == audit_before + 2
    assert OutboxEvent.objects.filter(type="interaction.recorded").count() == events_before + 2

    again = interactions_record(
        actor=agent,
        items=[
            InteractionInput(
                a.pk, "email", "in", when, summary="m1", source="imap", source_ref="<1@x>"
            ),
        ],
    )
    assert [(r.pk, created) for r, created in again] == [(first[0][0].pk, False)]
    assert Interaction.objects.count() == 2


@pytest.mark.django_db
def test_one_bad_item_refuses_the_whole_batch(staff_by_role, two_customers):
    a, _ = two_customers
    with pytest.raises(ValidationError) as err:
        interactions_record(
            actor=staff_by_role["agent"],
            items=[
                InteractionInput(a.pk, "chat", "in", summary="fine"),
                InteractionInput(a.pk, "fax", "in"),
                InteractionInput(999999, "chat", "in"),
            ],
        )
    assert sorted(err.value.message_dict) == ["items[1]", "items[2]"]
    assert err.value.message_dict["items[2]"] == ["There is no customer 999999."]
    assert Interaction.objects.count() == 0
    with pytest.raises(PermissionDenied):
        interactions_record(
            actor=staff_by_role["analyst"], items=[InteractionInput(a.pk, "chat", "in")]
        )


@pytest.mark.django_db
def test_known_source_refs_are_found_with_one_query_whatever_the_sources(
    staff_by_role, two_customers
):
    agent = staff_by_role["agent"]
    a, b = two_customers
    when = timezone.now() - datetime.timedelta(hours=1)
    known = interactions_record(
        actor=agent,
        items=[
            InteractionInput(a.pk, "email", "in", when, source="imap", source_ref="<1@x>"),
            InteractionInput(b.pk, "sms", "in", when, source="sms-gw", source_ref="m-7"),
        ],
    )
    items = [
        # the same reference from another source is another contact
        InteractionInput(
            a.pk, "chat", "in", when, summary="c", source="sms-gw", source_ref="<1@x>"
        ),
        InteractionInput(b.pk, "sms", "in", when, source="sms-gw", source_ref="m-7"),
        InteractionInput(a.pk, "email", "in", when, source="imap", source_ref="<1@x>"),
        InteractionInput(b.pk, "web", "in", when, summary="w", source="shop", source_ref="o-1"),
        InteractionInput(
            b.pk, "web", "in", when, summary="w again", source="shop", source_ref="o-1"
        ),
        InteractionInput(a.pk, "phone", "out", when, summary="no reference"),
    ]
    with CaptureQueriesContext(connection) as queries:
        result = interactions_record(actor=agent, items=items)

    lookups = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and "timeline_interaction" in q["sql"]
    ]
    assert len(lookups) == 1
    inserts = [q["sql"].split(" (")[0] for q in queries if q["sql"].startswith("INSERT")]
    assert inserts == [
        'INSERT INTO "timeline_interaction"',
        'INSERT INTO "core_auditentry"',
        'INSERT INTO "core_outboxevent"',
    ]
    assert [(r.source, r.source_ref, r.summary, created) for r, created in result] == [
        ("sms-gw", "<1@x>", "c", True),
        ("sms-gw", "m-7", "", False),
        ("imap", "<1@x>", "", False),
        ("shop", "o-1", "w", True),
        ("shop", "o-1", "w", False),
        ("", None, "no reference", True),
    ]
    assert result[1][0].pk == known[1][0].pk
    assert result[2][0].pk == known[0][0].pk
    assert result[4][0] is result[3][0]
    new = [r for r, created in result if created]
    assert [(r.customer_id, r.channel, r.direction, r.staff_id) for r in new] == [
        (a.pk, "chat", "in", agent.pk),
        (b.pk, "web", "in", agent.pk),
        (a.pk, "phone", "out", agent.pk),
    ]
    stored = {
        r.pk: r for r in Interaction.objects.filter(pk__in=[r.pk for r in new]).order_by("pk")
    }
    for row in new:  # the returned rows are what the database holds
        again = stored[row.pk]
        assert (again.occurred_at, again.recorded_at, again.summary, again.source_ref) == (
            row.occurred_at,
            row.recorded_at,
            row.summary,
            row.source_ref,
        )
    audit = AuditEntry.objects.filter(object_type="timeline.interaction").order_by("pk")
    assert [(e.object_id, e.actor_id, e.actor_label, e.changes) for e in audit][-3:] == [
        (
            str(r.pk),
            agent.pk,
            "agent",
            {"customer": [None, r.customer_id], "channel": [None, r.channel]},
        )
        for r in new
    ]
    events = OutboxEvent.objects.filter(type="interaction.recorded").order_by("pk")
    assert [(e.payload, e.groups, e.pushed_at) for e in events][-3:] == [
        (
            {"interaction_id": r.pk, "customer_id": r.customer_id, "channel": r.channel},
            [f"customer.{r.customer_id}"],
            None,
        )
        for r in new
    ]


@pytest.mark.django_db
def test_known_source_refs_are_found_across_sqlite_statements(
    staff_by_role, two_customers, monkeypatch
):
    from heartline.timeline import batch

    monkeypatch.setattr(batch, "_SQLITE_PAIRS", 2)  # SQLite: five pairs in three statements
    agent = staff_by_role["agent"]
    a, _ = two_customers
    items = [
        InteractionInput(a.pk, "chat", "in", source="wx", source_ref=f"r{n}") for n in range(5)
    ]
    first = interactions_record(actor=agent, items=items)
    with CaptureQueriesContext(connection) as queries:
        again = interactions_record(actor=agent, items=list(reversed(items)))
    lookups = [q for q in queries if "timeline_interaction" in q["sql"]]
    assert len(lookups) == (1 if connection.vendor == "postgresql" else 3)
    assert [(r.pk, created) for r, created in again] == [(r.pk, False) for r, _ in reversed(first)]
    assert Interaction.objects.filter(source="wx").count() == 5
