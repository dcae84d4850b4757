"""Removing moments, changing and removing addresses, removing relations (customers.details):
permission before any write, only the customer's own rows, one audit entry and one event."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.core.models import AuditEntry, OutboxEvent
from heartline.customers import details, services
from heartline.customers.models import Address, Customer, Moment, Relation
from heartline.customers.services import IdentityInput

pytestmark = pytest.mark.django_db


def make(phone: str, name: str) -> Customer:
    return services.customer_create(
        actor=None, identities_in=[IdentityInput("phone", phone)], name_cjk=name
    )


def counts() -> tuple[int, int, int, int, int]:
    return (
        Moment.objects.count(),
        Address.objects.count(),
        Relation.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_each_write_is_audited_once_with_one_event(staff_by_role):
    agent = staff_by_role["agent"]
    zhang, li = make("13800138000", "张伟"), make("13900139000", "李娜")
    moment = services.moment_set(actor=None, customer=zhang, kind="anniversary", month=2, day=29)
    address = services.address_add(actor=None, customer=zhang, text="建国路88号", city="北京")
    relation = services.relation_add(actor=None, customer=li, kind="employer", other=zhang)
    before = AuditEntry.objects.count(), OutboxEvent.objects.count()

    details.moment_remove(actor=agent, customer=zhang, moment_id=moment.pk)
    details.address_update(
        actor=agent, customer=zhang, address_id=address.pk, city="上海", country="cn"
    )
    details.address_update(actor=agent, customer=zhang, address_id=address.pk, city="上海")
    details.address_remove(actor=agent, customer=zhang, address_id=address.pk)
    details.relation_remove(actor=agent, customer=zhang, relation_id=relation.pk)

    rows = list(
        AuditEntry.objects.order_by("id")[before[0] :].values_list(
            "actor_label", "object_id", "changes"
        )
    )
    assert rows == [
        ("agent", str(zhang.pk), {"moments": ["anniversary -----02-29", None]}),
        ("agent", str(zhang.pk), {f"addresses.{address.pk}.city": ["北京", "上海"]}),
        ("agent", str(zhang.pk), {"addresses": ["建国路88号", None]}),
        ("agent", str(li.pk), {"relations": [f"employer:{zhang.pk}", None]}),
    ]
    # the unchanged second update writes nothing; the relation nudges both customers' pages
    events = OutboxEvent.objects.order_by("id")[before[1] :]
    assert [(e.type, e.payload["customer_id"]) for e in events] == [
        ("customer.changed", zhang.pk),
        ("customer.changed", zhang.pk),
        ("customer.changed", zhang.pk),
        ("customer.changed", li.pk),
        ("customer.changed", zhang.pk),
    ]
    assert counts()[:3] == (0, 0, 0)


def test_denied_and_foreign_rows_change_nothing(staff_by_role):
    zhang, li = make("13800138000", "张伟"), make("13900139000", "李娜")
    third = make("13700137000", "王芳")
    mine = services.moment_set(actor=None, customer=zhang, kind="birthday", month=5, day=4)
    theirs = services.address_add(actor=None, customer=li, text="他们的地址")
    unrelated = services.relation_add(actor=None, customer=li, kind="household", other=third)
    before = counts()
    analyst = staff_by_role["analyst"]
    with pytest.raises(PermissionDenied):
        details.moment_remove(actor=analyst, customer=zhang, moment_id=mine.pk)
    with pytest.raises(Address.DoesNotExist):
        details.address_remove(actor=None, customer=zhang, address_id=theirs.pk)
    with pytest.raises(Address.DoesNotExist):
        details.address_update(actor=None, customer=zhang, address_id=theirs.pk, city="x")
    with pytest.raises(Relation.DoesNotExist):
        details.relation_remove(actor=None, customer=zhang, relation_id=unrelated.pk)
    own = services.address_add(actor=None, customer=zhang, text="建国路88号")
    before = counts()
    with pytest.raises(ValidationError):
        details.address_update(actor=None, customer=zhang, address_id=own.pk, text="")
    with pytest.raises(ValidationError):
        details.address_update(actor=None, customer=zhang, address_id=own.pk, id=999)
    assert counts() == before
    assert Address.objects.get(pk=own.pk).text == "建国路88号"
