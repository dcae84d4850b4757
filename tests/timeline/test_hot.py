"""The 360's hand-written SQL returns exactly what the ORM reads of the same rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.customers import services
from heartline.customers.models import Address, ConsentEvent, Customer
from heartline.customers.services import IdentityInput
from heartline.timeline import hot
from heartline.timeline.models import Interaction
from heartline.timeline.services import interaction_record


@pytest.mark.django_db
def test_hot_fetch_matches_the_orm(staff_by_role):
    agent = staff_by_role["agent"]
    c = services.customer_create(
        actor=agent,
        identities_in=[IdentityInput("phone", "13912345678"), IdentityInput("email", "w@x.cn")],
        name_cjk="王芳",
        tags=["vip"],
        preferences={"channel": "sms"},
    )
    services.moment_set(actor=agent, customer=c, kind="birthday", month=2, day=29)
    services.note_add(actor=agent, customer=c, text="喜欢红色", pinned=True)
    services.note_add(actor=agent, customer=c, text="second")
    services.consent_record(
        actor=agent, customer=c, purpose="analytics", granted=True, source="web"
    )
    Address.objects.create(customer=c, text="上海市南京东路1号", city="Shanghai")
    when = timezone.now() - datetime.timedelta(days=3)
    promise, _ = interaction_record(
        actor=agent,
        customer=c,
        channel="phone",
        direction="in",
        occurred_at=when,
        topic="退货",
        follow_up="回电",
        follow_up_due=datetime.date(2026, 12, 1),
    )
    interaction_record(actor=agent, customer=c, channel="chat", direction="out", summary="ok")

    with CaptureQueriesContext(connection) as queries:
        data = hot.fetch(c.pk)
    assert len(queries) == 9
    assert data is not None
    orm = Customer.objects.filter(pk=c.pk).values(
        "id",
        "kind",
        "name_cjk",
        "name_pinyin",
        "name_latin",
        "language",
        "tags",
        "preferences",
        "created_at",
    )[0]
    assert data["customer"] == orm
    assert data["identities"] == list(
        c.identities.order_by("kind", "id").values(
            "id", "kind", "provider", "value", "label", "verified"
        )
    )
    assert data["moments"] == list(c.moments.values("id", "kind", "label", "month", "day", "year"))
    assert data["notes"] == list(
        c.notes.order_by("-pinned", "-id").values(
            "id", "text", "pinned", "created_at", "author__username"
        )
    )
    assert data["addresses"] == list(
        c.addresses.values("id", "label", "text", "city", "postcode", "country")
    )
    latest = ConsentEvent.objects.filter(customer=c).latest("id")
    assert data["consent"] == {"analytics": {"granted": True, "source": "web", "at": latest.at}}
    assert data["recent"] == list(
        Interaction.objects.filter(customer=c)
        .order_by("-occurred_at", "-id")
        .values(*hot.RECENT_FIELDS)
    )
    assert data["open_follow_ups"] == [
        {
            "id": promise.pk,
            "follow_up": "回电",
            "follow_up_due": datetime.date(2026, 12, 1),
            "channel": "phone",
            "occurred_at": promise.occurred_at,
        }
    ]
    assert data["relations"] == []
    assert hot.fetch(999999) is None
