from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from heartline.accounts.models import Team, User
from heartline.core.permissions import Role
from heartline.demo.people import people


def test_people_are_deterministic_bilingual_and_well_formed():
    first, again, other = people(200, seed=7), people(200, seed=7), people(200, seed=8)
    assert first == again
    assert first != other
    chinese = [p for p in first if p.chinese_name]
    assert 120 <= len(chinese) <= 180  # about three in four
    assert all(re.fullmatch(r"\+[1-9]\d{7,14}", p.phone) for p in first)
    assert sum(p.phone.startswith("+86") for p in first) >= 140
    assert all(p.address.endswith(("号", "室")) for p in first)
    assert len({p.email for p in first}) == 200
    shan = [p for p in chinese if p.chinese_name.startswith("单")]
    assert all(p.pinyin_name.startswith("Shàn ") for p in shan)


@pytest.mark.django_db
def test_seed_demo_creates_staff_in_every_role_once(capsys):
    call_command("seed_demo", "--seed", "3")
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.count() == 6 + 8
    assert Team.objects.count() == 4
    assert User.objects.get(username="agent").check_password("heartline-demo")
    names = list(User.objects.order_by("pk").values_list("display_name", flat=True))

    call_command("seed_demo", "--seed", "3")
    assert User.objects.count() == 14
    assert list(User.objects.order_by("pk").values_list("display_name", flat=True)) == names
    out = capsys.readouterr().out
    assert "Demo data: 14 staff and 4 teams created" in out
    assert "Demo data: 0 staff and 0 teams created" in out


def _snapshot() -> list[tuple]:
    from heartline.customers.models import Customer

    return [
        (
            c.name_cjk,
            c.name_latin,
            c.key_pinyin,
            tuple(c.identities.values_list("value", flat=True)),
            c.interactions.count(),
        )
        for c in Customer.objects.order_by("id")
    ]


@pytest.mark.django_db
def test_demo_customers_are_deterministic_unique_and_searchable(capsys):
    from heartline.customers.models import Customer, Identity
    from heartline.customers.selectors import customer_lookup
    from heartline.orders.models import Order, Quote
    from heartline.sales.models import Deal
    from heartline.timeline.models import Interaction

    call_command("seed_demo", "--seed", "5", "--customers", "120", "--interactions", "4")
    first = _snapshot()
    assert len(first) == 120
    assert Identity.objects.filter(kind="phone").count() == 120
    assert Interaction.objects.count() == sum(row[4] for row in first)
    assert "Demo customers: 120 customers" in capsys.readouterr().out
    some = Customer.objects.exclude(name_cjk="").filter(kind="person").first()
    assert some is not None
    assert some.key_pinyin  # pinyin keys filled for search
    agent = User.objects.get(username="agent")
    phone = some.identities.get(kind="phone").value
    assert customer_lookup(agent, kind="phone", raw=phone[3:]) == some  # national format

    # What points at these customers with PROTECT: their orders, quotes and deals.
    Order.objects.all().delete()
    Quote.objects.all().delete()
    Deal.objects.all().delete()
    Interaction.objects.all().delete()
    Customer.objects.all().delete()
    call_command("seed_demo", "--seed", "5", "--customers", "120", "--interactions", "4")
    assert _snapshot() == first
