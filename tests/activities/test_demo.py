"""Demo activities: planned relative to today, once, tied to customers when there are some."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from heartline.activities.models import Activity
from heartline.activities.selectors import my_day
from heartline.demo.activities import PLAN, seed_activities
from heartline.demo.customers import seed_customers
from heartline.demo.seed import seed_demo
from tests.activities.conftest import at

pytestmark = pytest.mark.django_db


def test_demo_plans_a_week_once_and_waits_for_customers():
    with time_machine.travel(at(2030, 5, 6, 8, 0), tick=False):
        seed_demo(seed=1, extra_agents=0)
        without_customers = sorted(Activity.objects.values_list("subject", flat=True))
        assert without_customers == sorted(p[2] for p in PLAN if not p[8])
        seed_customers(count=10, seed=1, interactions_per_customer=1)
        assert seed_activities() == sum(1 for p in PLAN if p[8])
        assert seed_activities() == 0
        assert Activity.objects.count() == len(PLAN)
        assert Activity.objects.filter(customer__isnull=False).count() == 7
        sales = Activity.objects.filter(owner__username="sales").first()
        assert sales is not None
        day = my_day(sales.owner)
    assert day.today == datetime.date(2030, 5, 6)
    assert [a.kind for a in day.overdue] == ["task"]
    assert [a.kind for a in day.due_today] == ["call", "meeting", "email"]
    assert [d for d, _ in day.upcoming] == [
        datetime.date(2030, 5, 7),
        datetime.date(2030, 5, 9),
        datetime.date(2030, 5, 10),
    ]
