from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.core.models import AppendOnlyError, AuditEntry
from heartline.customers import services as customers
from heartline.customers.services import IdentityInput
from heartline.timeline.models import Interaction
from heartline.timeline.selectors import SECTIONS, customer_360
from heartline.timeline.services import interaction_record


@pytest.fixture
def customer(staff_by_role):
    return customers.customer_create(
        actor=staff_by_role["agent"],
        identities_in=[IdentityInput("phone", "13912345678")],
        name_cjk="王芳",
    )


@pytest.mark.django_db
def test_a_repeated_source_ref_never_duplicates(staff_by_role, customer):
    agent = staff_by_role["agent"]
    first, created = interaction_record(
        actor=agent,
        customer=customer,
        channel="phone",
        direction="in",
        summary="问订单",
        source="twilio",
        source_ref="CA123",
    )
    again, created_again = interaction_record(
        actor=agent,
        customer=customer,
        channel="phone",
        direction="in",
        summary="问订单",
        source="twilio",
        source_ref="CA123",
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Interaction.objects.count() == 1
    with pytest.raises(AppendOnlyError):
        first.save()


@pytest.mark.django_db
def test_bad_interactions_are_refused_with_field_messages(staff_by_role, customer):
    with pytest.raises(ValidationError) as err:
        interaction_record(
            actor=staff_by_role["agent"],
            customer=customer,
            channel="fax",
            direction="sideways",
            occurred_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert sorted(err.value.message_dict) == ["channel", "direction", "occurred_at"]
    assert Interaction.objects.count() == 0


def _fill(agent, customer, n):
    start = timezone.now() - datetime.timedelta(days=n)
    for i in range(n):
        interaction_record(
            actor=agent,
            customer=customer,
            channel="chat" if i % 2 else "email",
            direction="in",
            occurred_at=start + datetime.timedelta(days=i),
            topic=f"topic {i % 3}",
            summary=f"s{i}",
        )


@pytest.mark.django_db
@pytest.mark.parametrize("history", [3, 60])
def test_360_uses_a_fixed_number_of_queries_whatever_the_history(staff_by_role, customer, history):
    agent = staff_by_role["agent"]
    _fill(agent, customer, history)
    customers.moment_set(actor=agent, customer=customer, kind="birthday", month=12, day=1)
    customers.note_add(actor=agent, customer=customer, text="喜欢红色", pinned=True)
    with CaptureQueriesContext(connection) as queries:  # sales sees every section
        c360 = customer_360(staff_by_role["sales"], customer.pk, today=datetime.date(2026, 11, 25))
    # 9 reads, one per section other apps registered (deals, leads, activities, orders), all
    # on one cursor, and the audit insert
    assert list(SECTIONS) == ["deals", "leads", "activities", "orders"]
    assert len(queries) == 14
    assert len(c360["recent_interactions"]) == min(history, 10)
    assert c360["moments"][0]["in_days"] == 6
    assert c360["moments"][0]["soon"] is True
    assert c360["notes"][0]["text"] == "喜欢红色"
    assert c360["last_time"]["last"]["summary"] == f"s{history - 1}"
    assert AuditEntry.objects.filter(action="view", object_id=str(customer.pk)).count() == 1


@pytest.mark.django_db
def test_last_time_lists_open_promises_until_closed(staff_by_role, customer):
    agent = staff_by_role["agent"]
    promise, _ = interaction_record(
        actor=agent,
        customer=customer,
        channel="phone",
        direction="in",
        topic="退货",
        follow_up="回电确认退款",
        follow_up_due=datetime.date(2026, 11, 27),
    )
    c360 = customer_360(agent, customer.pk)
    assert [f["follow_up"] for f in c360["last_time"]["open_follow_ups"]] == ["回电确认退款"]
    interaction_record(
        actor=agent,
        customer=customer,
        channel="phone",
        direction="out",
        topic="退货",
        summary="已退款",
        closes=promise,
    )
    c360 = customer_360(agent, customer.pk)
    assert c360["last_time"]["open_follow_ups"] == []
    assert c360["last_time"]["recent_topics"] == ["退货"]


@pytest.mark.django_db
def test_the_360_shows_each_section_only_to_roles_that_may_see_it(staff_by_role, customer):
    """Marketing may see a customer but not their deals or orders; sales sees all four."""
    seen = {
        role: set(customer_360(staff_by_role[role], customer.pk)["sections"])
        for role in ("sales", "agent", "marketing")
    }
    assert seen["sales"] == {"deals", "orders", "leads", "activities"}
    assert seen["agent"] == {"orders", "leads", "activities"}
    assert seen["marketing"] == {"leads", "activities"}
