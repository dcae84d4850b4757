from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from heartline.accounts import services as accounts
from heartline.customers import services
from heartline.customers.duplicates import duplicate_candidates
from heartline.customers.merge import MOVABLE, customer_merge, merge_undo
from heartline.customers.models import Customer, Relation
from heartline.customers.selectors import customer_lookup
from heartline.customers.services import IdentityInput
from heartline.timeline.services import interaction_record


def _ownership() -> dict[str, list[tuple[int, int]]]:
    """Every movable row and the customer it belongs to."""
    result = {}
    for label, fk in {**MOVABLE, "customers.Relation": "customer"}.items():
        model = apps.get_model(label)
        result[label] = sorted(model._default_manager.values_list("pk", f"{fk}_id"))
    return result


@pytest.fixture
def manager(staff_by_role):
    return staff_by_role["manager"]


def _person(actor, phone, **profile):
    return services.customer_create(
        actor=actor, identities_in=[IdentityInput("phone", phone)], **profile
    )


@pytest.mark.django_db
def test_candidates_have_scores_and_reasons(manager):
    a = _person(manager, "13900000001", name_cjk="张伟", name_latin="Wei Zhang")
    services.moment_set(actor=manager, customer=a, kind="birthday", month=5, day=4)
    b = _person(manager, "13900000002", name_cjk="張偉")
    services.moment_set(actor=manager, customer=b, kind="birthday", month=5, day=4)
    c = _person(manager, "13900000003", name_latin="Zhang Wei")
    _person(manager, "13900000004", name_cjk="李娜")
    found = duplicate_candidates(manager, a)
    assert [(x.customer_id, x.score, x.reasons) for x in found] == [
        (b.pk, 75, ["same name in characters", "same birthday"]),
        (c.pk, 45, ["similar name (100%)"]),
    ]


@pytest.mark.django_db
def test_merge_moves_everything_and_undo_restores_it(manager):
    survivor = _person(manager, "13900000001", name_latin="Wei Zhang", tags=["vip"])
    duplicate = _person(manager, "13900000002", name_cjk="张伟", tags=["红色"])
    friend = _person(manager, "13900000003")
    services.identity_add(actor=manager, customer=duplicate, item=IdentityInput("email", "w@x.cn"))
    services.note_add(actor=manager, customer=duplicate, text="喜欢红色", pinned=True)
    services.consent_record(
        actor=manager, customer=duplicate, purpose="analytics", granted=True, source="web"
    )
    Relation.objects.create(customer=duplicate, kind="household", other=friend)
    Relation.objects.create(customer=survivor, kind="household", other=duplicate)  # becomes self
    interaction_record(
        actor=manager, customer=duplicate, channel="store", direction="in", summary="买鞋"
    )
    before = _ownership()

    merge = customer_merge(actor=manager, survivor=survivor, duplicate=duplicate)
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert (survivor.name_cjk, survivor.name_latin, survivor.tags) == (
        "张伟",
        "Wei Zhang",
        ["vip", "红色"],
    )
    assert customer_lookup(manager, kind="email", raw="w@x.cn") == survivor
    assert customer_lookup(manager, kind="phone", raw="13900000002") == survivor
    assert survivor.identities.count() == 3
    assert survivor.interactions.count() == 1
    live = Relation.objects.filter(customer=survivor, other__merged_into__isnull=True)
    assert list(live.values_list("other_id", flat=True)) == [friend.pk]
    kept = Relation.objects.get(customer=survivor, other=duplicate)  # would be self: kept
    assert merge.record["kept_relations"] == [kept.pk]

    merge_undo(actor=manager, merge=merge)
    survivor.refresh_from_db()
    assert (survivor.name_cjk, survivor.tags) == ("", ["vip"])
    assert _ownership() == before
    with pytest.raises(ValidationError):
        merge_undo(actor=manager, merge=merge)


@pytest.mark.django_db
def test_merge_is_refused_for_roles_without_the_permission_and_changes_nothing(
    staff_by_role, manager
):
    a, b = _person(manager, "13900000001"), _person(manager, "13900000002")
    before = _ownership()
    with pytest.raises(PermissionDenied):
        customer_merge(actor=staff_by_role["agent"], survivor=a, duplicate=b)
    with pytest.raises(ValidationError):
        customer_merge(actor=manager, survivor=a, duplicate=a)
    assert _ownership() == before
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


class MergePropertyTest(TestCase):
    """Hypothesis: whatever rows two customers have, merge then undo gives every row back."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        notes=st.tuples(st.integers(0, 3), st.integers(0, 3)),
        interactions=st.tuples(st.integers(0, 3), st.integers(0, 3)),
        extra_emails=st.tuples(st.integers(0, 2), st.integers(0, 2)),
        pick_duplicate_names=st.booleans(),
    )
    def test_merge_then_undo_preserves_every_row(
        self, notes, interactions, extra_emails, pick_duplicate_names
    ):
        actor = accounts.staff_create(
            actor=None, username=f"m{Customer.objects.count()}", password=None, role="manager"
        )
        people = [
            _person(actor, f"139{Customer.objects.count() + 10:08d}", name_cjk=name)
            for name in ("王芳", "王芳")
        ]
        when = timezone.now() - datetime.timedelta(days=1)
        for index, person in enumerate(people):
            for n in range(notes[index]):
                services.note_add(actor=actor, customer=person, text=f"note {n}")
            for _ in range(interactions[index]):
                interaction_record(
                    actor=actor, customer=person, channel="chat", direction="in", occurred_at=when
                )
            for n in range(extra_emails[index]):
                services.identity_add(
                    actor=actor,
                    customer=person,
                    item=IdentityInput("email", f"p{person.pk}.{n}@x.cn"),
                )
        before = _ownership()
        choose = {"name_cjk": "duplicate"} if pick_duplicate_names else {}
        merge = customer_merge(actor=actor, survivor=people[0], duplicate=people[1], choose=choose)
        moved_total = sum(len(v) for v in merge.record["moved"].values())
        assert moved_total == notes[1] + interactions[1] + extra_emails[1] + 1  # +1 phone
        merge_undo(actor=actor, merge=merge)
        assert _ownership() == before


@pytest.mark.django_db
def test_candidates_take_a_fixed_number_of_queries(manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = _person(manager, "13900000001", name_cjk="王芳")
    for n in range(2, 12):
        _person(manager, f"139000000{n:02d}", name_cjk="王芳")
    with CaptureQueriesContext(connection) as queries:
        found = duplicate_candidates(manager, first)
    assert len(found) == 10
    assert len(queries) == 5  # own mailboxes, candidates, birthdays, addresses, mailboxes
