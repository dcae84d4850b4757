"""The demo leads: mixed sources, some already customers, deterministic and never twice."""

from __future__ import annotations

from collections import Counter

import pytest

from heartline.accounts.models import Team
from heartline.demo.leads import LEADS, seed_leads
from heartline.leads.models import Lead, LeadEvent, LeadForm

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(
        Lead.objects.order_by("id").values_list(
            "name_cjk", "name_latin", "phone", "email", "handle", "source", "status", "captures"
        )
    )


def test_demo_leads(make_staff, no_rules):
    team = Team.objects.create(name="Sales East 华东销售")
    for n in range(3):
        make_staff("sales", username=f"sales{n}", team=team)
    report = seed_leads(seed=1)
    leads = Lead.objects.count()
    assert report.created == leads
    assert 25 <= leads <= LEADS
    assert set(Counter(Lead.objects.values_list("source", flat=True))) == {
        "web_form",
        "chat",
        "import",
        "api",
        "manual",
        "campaign",
    }
    phones = set(Lead.objects.values_list("phone", flat=True))
    assert {"+8613600000003", "+8615100000005", "+8618600000007"} <= phones  # demo customers'
    assert LeadEvent.objects.filter(kind="captured_again").count() >= 3
    assert set(Lead.objects.values_list("status", flat=True)) >= {
        "new",
        "working",
        "qualified",
        "disqualified",
    }
    assert Lead.objects.filter(owner__isnull=True).count() == 0  # round-robin in the team
    assert LeadForm.objects.count() == 1
    first = snapshot()

    again = seed_leads(seed=1)
    assert (again.created, again.added) == (0, 0)
    assert snapshot() == first
