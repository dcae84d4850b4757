"""Recording many interactions at once (imports, channel back-fills, busy integrations).

The same rules as :func:`heartline.timeline.services.interaction_record` — validation, one row
per ``(source, source_ref)``, an audit entry and an ``interaction.recorded`` event per new row —
written with set-based statements in one transaction. All or nothing: one invalid item
refuses the batch, with the item's index in the error.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.events import publish_many
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer
from heartline.timeline.events import InteractionRecorded
from heartline.timeline.models import Interaction
from heartline.timeline.services import validate

MAX_BATCH = 5000


@dataclass(frozen=True)
class InteractionInput:
    customer_id: int
    channel: str
    direction: str
    occurred_at: datetime.datetime | None = None
    summary: str = ""
    topic: str = ""
    outcome: str = ""
    follow_up: str = ""
    follow_up_due: datetime.date | None = None
    link_type: str = ""
    link_id: str = ""
    source: str = ""
    source_ref: str = ""


def _check(items: list[InteractionInput], now: datetime.datetime) -> None:
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        try:
            validate(
                channel=item.channel,
                direction=item.direction,
                occurred_at=item.occurred_at or now,
                summary=item.summary.strip(),
                topic=item.topic.strip(),
            )
        except ValidationError as exc:
            errors[f"items[{index}]"] = exc.messages
    known = set(
        Customer.objects.filter(
            pk__in={i.customer_id for i in items}, merged_into__isnull=True
        ).values_list("pk", flat=True)
    )
    for index, item in enumerate(items):
        if item.customer_id not in known:
            errors.setdefault(f"items[{index}]", []).append(
                _("There is no customer %(id)s.") % {"id": item.customer_id}
            )
    if errors:
        raise ValidationError(errors)


def _existing(items: list[InteractionInput]) -> dict[tuple[str, str], Interaction]:
    keys = {(i.source[:64], i.source_ref[:200]) for i in items if i.source_ref}
    if not keys:
        return {}
    found: dict[tuple[str, str], Interaction] = {}
    refs = sorted(keys)
    for start in range(0, len(refs), 500):  # stay under SQLite's bound-parameter limit
        condition = Q()
        for source, ref in refs[start : start + 500]:
            condition |= Q(source=source, source_ref=ref)
        for row in Interaction.objects.filter(condition):
            found[(row.source, row.source_ref or "")] = row
    return found


@transaction.atomic
def interactions_record(
    *, actor: Any, items: list[InteractionInput]
) -> list[tuple[Interaction, bool]]:
    """Append many interactions; returns ``(row, created)`` per item, in order."""
    if actor is not None and not actor.has_perm("interactions.record"):
        raise PermissionDenied("interactions.record")
    if len(items) > MAX_BATCH:
        raise ValidationError(_("Send at most %(n)s interactions at once.") % {"n": MAX_BATCH})
    now = timezone.now()
    _check(items, now)
    existing = _existing(items)
    new_rows: list[Interaction] = []
    placed: list[tuple[Interaction, bool]] = []
    for item in items:
        key = (item.source[:64], item.source_ref[:200])
        if item.source_ref and key in existing:
            placed.append((existing[key], False))
            continue
        row = Interaction(
            customer_id=item.customer_id,
            channel=item.channel,
            direction=item.direction,
            occurred_at=item.occurred_at or now,
            staff=actor,
            topic=item.topic.strip(),
            summary=item.summary.strip(),
            outcome=item.outcome[:200],
            follow_up=item.follow_up[:300],
            follow_up_due=item.follow_up_due,
            link_type=item.link_type[:32],
            link_id=str(item.link_id)[:64],
            source=item.source[:64],
            source_ref=item.source_ref[:200] or None,
        )
        if item.source_ref:
            existing[key] = row  # a repeat inside the batch refers to this row
        new_rows.append(row)
        placed.append((row, True))
    Interaction.objects.bulk_create(new_rows)
    audit.record_many(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        objects=new_rows,
        changes=[
            {"customer": [None, r.customer_id], "channel": [None, r.channel]} for r in new_rows
        ],
    )
    publish_many(
        [
            InteractionRecorded(interaction_id=r.pk, customer_id=r.customer_id, channel=r.channel)
            for r in new_rows
        ]
    )
    seen: set[int] = set()
    result = []
    for row, created in placed:
        first_time = created and id(row) not in seen
        seen.add(id(row))
        result.append((row, first_time))
    return result
