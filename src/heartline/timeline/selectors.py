"""Reads of the timeline, the "last time" summary, and the customer 360."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heartline.core import audit
from heartline.customers.models import Customer
from heartline.customers.selectors import consent_state, customer_for_user
from heartline.timeline.models import Interaction

RECENT = 10
MOMENT_WINDOW_DAYS = 14

# Later capabilities add sections of the 360 (open tickets, deals, orders, scores, next best
# action) here: name -> function(customer_id) -> JSON-able value. Each must be O(1) queries.
SECTIONS: dict[str, Callable[[int], Any]] = {}

_ROW_FIELDS = (
    "id",
    "channel",
    "direction",
    "occurred_at",
    "topic",
    "summary",
    "outcome",
    "sentiment",
    "follow_up",
    "follow_up_due",
    "closes_id",
    "staff_id",
    "staff__username",
    "staff__display_name",
    "link_type",
    "link_id",
)


def timeline_page(
    user: Any, customer_id: int, *, before: tuple[datetime.datetime, int] | None, limit: int
) -> list[dict[str, Any]]:
    """Newest first, keyset-paginated on (occurred_at, id)."""
    if not user.has_perm("customers.view"):
        raise PermissionDenied("customers.view")
    rows = Interaction.objects.filter(customer_id=customer_id)
    if before is not None:
        at, pk = before
        rows = rows.filter(occurred_at__lt=at) | rows.filter(occurred_at=at, id__lt=pk)
    return list(rows.order_by("-occurred_at", "-id").values(*_ROW_FIELDS)[:limit])


def next_occurrence(moment_month: int, moment_day: int, today: datetime.date) -> datetime.date:
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            candidate = datetime.date(year, moment_month, moment_day)
        except ValueError:  # 29 February in a common year
            continue
        if candidate >= today:
            return candidate
    raise ValueError("no such date")


def last_time(
    recent: list[dict[str, Any]], open_follow_ups: list[dict[str, Any]]
) -> dict[str, Any]:
    """The continuation summary: the last contacts and what is still promised."""
    if not recent:
        return {"last": None, "recent_topics": [], "open_follow_ups": []}
    last = recent[0]
    topics: list[str] = []
    for row in recent:
        if row["topic"] and row["topic"] not in topics:
            topics.append(row["topic"])
    return {
        "last": {
            "channel": last["channel"],
            "occurred_at": last["occurred_at"],
            "topic": last["topic"],
            "summary": last["summary"][:280],
            "outcome": last["outcome"],
            "staff": last["staff__display_name"] or last["staff__username"],
        },
        "recent_topics": topics[:5],
        "open_follow_ups": open_follow_ups,
    }


def _open_follow_ups(customer_id: int) -> list[dict[str, Any]]:
    promised = Interaction.objects.filter(customer_id=customer_id).exclude(follow_up="")
    open_rows = promised.filter(closed_by__isnull=True).order_by("follow_up_due", "id")
    fields = ("id", "follow_up", "follow_up_due", "channel", "occurred_at")
    return [dict(row) for row in open_rows.values(*fields)[:10]]


def _days_away(moment: dict[str, Any]) -> int:
    return int(moment["in_days"])


def customer_360(
    user: Any, customer_id: int, *, today: datetime.date | None = None
) -> dict[str, Any]:
    """Everything a person at any channel needs, in a fixed number of indexed queries.

    Records that ``user`` viewed this customer's personal data.
    """
    customer: Customer = customer_for_user(user, customer_id)
    today = today or timezone.localdate()
    identities = list(
        customer.identities.values("id", "kind", "provider", "value", "label", "verified")
    )
    moments: list[dict[str, Any]] = []
    for m in customer.moments.values("id", "kind", "label", "month", "day", "year"):
        upcoming = next_occurrence(m["month"], m["day"], today)
        days = (upcoming - today).days
        moments.append({**m, "next": upcoming, "in_days": days, "soon": days <= MOMENT_WINDOW_DAYS})
    notes = list(
        customer.notes.order_by("-pinned", "-id").values(
            "id", "text", "pinned", "created_at", "author__username"
        )[:20]
    )
    addresses = list(
        customer.addresses.values("id", "label", "text", "city", "postcode", "country")
    )
    recent = timeline_page(user, customer.pk, before=None, limit=RECENT)
    result = {
        "customer": {
            "id": customer.pk,
            "kind": customer.kind,
            "display_name": customer.display_name,
            "name_cjk": customer.name_cjk,
            "name_pinyin": customer.name_pinyin,
            "name_latin": customer.name_latin,
            "language": customer.language,
            "tags": customer.tags,
            "preferences": customer.preferences,
            "created_at": customer.created_at,
        },
        "identities": identities,
        "moments": sorted(moments, key=_days_away),
        "addresses": addresses,
        "notes": notes,
        "consent": consent_state(customer.pk),
        "last_time": last_time(recent, _open_follow_ups(customer.pk)),
        "recent_interactions": recent,
        "sections": {name: section(customer.pk) for name, section in SECTIONS.items()},
    }
    audit.record_view(
        actor=user,
        obj=customer,
        fields=["profile", "identities", "moments", "addresses", "notes", "consent", "timeline"],
    )
    return result
