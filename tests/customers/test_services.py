from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.core.models import AuditEntry, OutboxEvent
from heartline.customers import services
from heartline.customers.models import ConsentEvent, Customer, Identity
from heartline.customers.selectors import consent_state, customer_lookup, customer_search
from heartline.customers.services import IdentityInput, IdentityTaken


def counts() -> tuple[int, int, int, int]:
    return (
        Customer.objects.count(),
        Identity.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
    )


@pytest.mark.django_db
def test_one_identifier_is_enough_and_everything_else_is_optional(staff_by_role):
    agent = staff_by_role["agent"]
    before = counts()
    customer = services.customer_create(
        actor=agent, identities_in=[IdentityInput("phone", "138 0013 8000")]
    )
    assert (customer.name_cjk, customer.name_latin, customer.display_name) == (
        "",
        "",
        f"#{customer.pk}",
    )
    assert list(customer.identities.values_list("kind", "value")) == [("phone", "+8613800138000")]
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    assert OutboxEvent.objects.latest("id").type == "customer.created"


@pytest.mark.django_db
def test_no_identifier_is_refused_with_a_clear_message(staff_by_role):
    before = counts()
    with pytest.raises(ValidationError) as err:
        services.customer_create(actor=staff_by_role["agent"], identities_in=[], name_cjk="王芳")
    assert "one way to recognise the customer" in err.value.message_dict["identities"][0]
    assert counts() == before


@pytest.mark.django_db
def test_names_get_pinyin_and_search_keys(staff_by_role):
    c = services.customer_create(
        actor=staff_by_role["agent"],
        identities_in=[IdentityInput("email", "Shan@Example.com")],
        name_cjk="單曉東",
    )
    assert (c.name_pinyin, c.key_cjk, c.key_pinyin) == ("Shàn Xiǎodōng", "单晓东", "shanxiaodong")


@pytest.mark.django_db
def test_an_identifier_belongs_to_one_customer_in_any_format(staff_by_role):
    agent = staff_by_role["agent"]
    first = services.customer_create(
        actor=agent, identities_in=[IdentityInput("phone", "+86 138-0013-8000")]
    )
    before = counts()
    with pytest.raises(IdentityTaken) as err:
        services.customer_create(
            actor=agent,
            identities_in=[
                IdentityInput("email", "new@example.com"),
                IdentityInput("phone", "008613800138000"),
            ],
        )
    assert err.value.existing_customer_id == first.pk
    assert counts() == before


@pytest.mark.django_db
def test_denied_roles_change_nothing(staff_by_role):
    before = counts()
    for role in ("analyst",):
        with pytest.raises(PermissionDenied):
            services.customer_create(
                actor=staff_by_role[role], identities_in=[IdentityInput("phone", "13800138000")]
            )
    assert counts() == before


@pytest.mark.django_db
def test_lookup_and_search_find_the_customer_however_typed(staff_by_role):
    agent = staff_by_role["agent"]
    wei = services.customer_create(
        actor=agent,
        identities_in=[IdentityInput("phone", "13912345678"), IdentityInput("member_no", "HL-001")],
        name_cjk="张伟",
        name_latin="Wei Zhang",
    )
    other = services.customer_create(
        actor=agent, identities_in=[IdentityInput("phone", "13912345679")], name_cjk="张伟明"
    )
    assert customer_lookup(agent, kind="phone", raw="+86 139 1234 5678") == wei
    assert customer_lookup(agent, kind="member_no", raw="hl-001") == wei
    assert customer_lookup(agent, kind="phone", raw="13800000000") is None

    for q in ("zhangwei", "zhang wei", "Zhāng Wěi", "張偉", "张伟"):
        hits = customer_search(agent, q)
        assert [h.customer_id for h in hits] == [wei.pk, other.pk], q
        assert hits[0].rank == 1
        assert hits[1].rank == 2
    assert [h.customer_id for h in customer_search(agent, "wei zhang")] == [wei.pk]
    assert [(h.customer_id, h.matched) for h in customer_search(agent, "139 1234 5678")] == [
        (wei.pk, "phone")
    ]
    with pytest.raises(PermissionDenied):
        customer_search(staff_by_role["analyst"], "zhang")


@pytest.mark.django_db
def test_consent_is_an_append_only_ledger_with_derived_state(staff_by_role):
    agent = staff_by_role["agent"]
    c = services.customer_create(actor=agent, identities_in=[IdentityInput("phone", "13912345678")])
    services.consent_record(
        actor=agent, customer=c, purpose="marketing_sms", granted=True, source="phone"
    )
    services.consent_record(
        actor=agent, customer=c, purpose="marketing_sms", granted=False, source="sms"
    )
    services.consent_record(
        actor=agent, customer=c, purpose="analytics", granted=True, source="web"
    )
    state = consent_state(c.pk)
    assert {p: (v["granted"], v["source"]) for p, v in state.items()} == {
        "marketing_sms": (False, "sms"),
        "analytics": (True, "web"),
    }
    assert ConsentEvent.objects.filter(customer=c).count() == 3
    with pytest.raises(ValidationError):
        services.consent_record(actor=agent, customer=c, purpose="spam", granted=True, source="x")


@pytest.mark.django_db
def test_the_last_identifier_cannot_be_removed(staff_by_role):
    agent = staff_by_role["agent"]
    c = services.customer_create(actor=agent, identities_in=[IdentityInput("phone", "13912345678")])
    extra = services.identity_add(actor=agent, customer=c, item=IdentityInput("email", "A@B.CN"))
    assert extra.value == "a@b.cn"
    services.identity_remove(actor=agent, identity=extra)
    with pytest.raises(ValidationError):
        services.identity_remove(actor=agent, identity=c.identities.get())
    assert c.identities.count() == 1


@pytest.mark.django_db
def test_a_search_that_shows_customers_is_in_the_audit_trail(staff_by_role):
    agent = staff_by_role["agent"]
    c = services.customer_create(
        actor=agent, identities_in=[IdentityInput("phone", "13912345678")], name_cjk="张伟"
    )
    before = AuditEntry.objects.filter(action="view").count()
    customer_search(agent, "zhangwei")
    customer_search(agent, "nobody-at-all")
    entries = list(AuditEntry.objects.filter(action="view").order_by("id"))[before:]
    assert [(e.actor_label, e.object_label, e.changes) for e in entries] == [
        ("agent", "search results", {"fields": ["search"], "customers": [c.pk]})
    ]
