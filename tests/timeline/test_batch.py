from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
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
