"""Reads of the timeline, the "last time" summary, and the customer 360."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from heartline.core import audit
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer, display_name
from heartline.timeline import hot
from heartline.timeline.models import Interaction

RECENT = hot.RECENT
VIEWED_FIELDS = [
    "addresses",
    "consent",
    "identities",
    "moments",
    "notes",
    "profile",
    "relations",
    "timeline",
]
MOMENT_WINDOW_DAYS = 14

# Later capabilities add sections of the 360 (open tickets, deals, orders, scores, next best
# action) here: name -> hot.Section (one indexed, bounded query and the shape of its rows),
# run on the 360's cursor, one query each.
SECTIONS: dict[str, hot.Section] = {}


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
    return list(rows.order_by("-occurred_at", "-id").values(*hot.RECENT_FIELDS)[:limit])


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


def _days_away(moment: dict[str, Any]) -> int:
    return int(moment["in_days"])


def customer_360(
    user: Any, customer_id: int, *, today: datetime.date | None = None
) -> dict[str, Any]:
    """Everything a person at any channel needs, in nine indexed reads (``hot.fetch``), one
    per registered section and one audit insert, however long the history. Records that
    ``user`` viewed the data."""
    if not user.has_perm("customers.view"):
        raise PermissionDenied("customers.view")
    visible = {
        name: section
        for name, section in SECTIONS.items()
        if not section.permission or user.has_perm(section.permission)
    }
    data = hot.fetch(customer_id, recent=RECENT, sections=visible)
    if data is None:
        raise Customer.DoesNotExist(f"No customer {customer_id}.")
    today = today or timezone.localdate()
    moments: list[dict[str, Any]] = []
    for m in data["moments"]:
        upcoming = next_occurrence(m["month"], m["day"], today)
        days = (upcoming - today).days
        moments.append({**m, "next": upcoming, "in_days": days, "soon": days <= MOMENT_WINDOW_DAYS})
    customer = data["customer"]
    customer["display_name"] = display_name(
        customer["id"], customer["name_cjk"], customer["name_latin"], customer["name_pinyin"]
    )
    audit.record(
        actor=user,
        action=AuditEntry.Action.VIEW,
        object_type="customers.customer",
        object_id=str(customer_id),
        object_label=customer["display_name"],
        changes={"fields": VIEWED_FIELDS},
    )
    return {
        "customer": customer,
        "identities": data["identities"],
        "moments": sorted(moments, key=_days_away),
        "addresses": data["addresses"],
        "notes": data["notes"],
        "relations": [
            {
                **r,
                "other_name": display_name(
                    r["other_id"], r["name_cjk"], r["name_latin"], r["name_pinyin"]
                ),
            }
            for r in data["relations"]
        ],
        "consent": data["consent"],
        "last_time": last_time(data["recent"], data["open_follow_ups"]),
        "recent_interactions": data["recent"],
        "sections": data["sections"],
    }
