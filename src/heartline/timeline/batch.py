"""Recording many interactions at once (imports, channel back-fills, busy integrations).

The same rules as :func:`heartline.timeline.services.interaction_record` — validation, one row
per ``(source, source_ref)``, an audit entry and an ``interaction.recorded`` event per new row —
written with set-based statements in one transaction. All or nothing: one invalid item
refuses the batch, with the item's index in the error.

A batch costs a fixed number of statements: the customers, the known ``(source, source_ref)``
pairs (one index probe each), then one INSERT each for the rows, their audit entries and their
events (:mod:`heartline.core.bulk`; plus one for subscriber tasks when there are subscribers).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit, bulk
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


# The known rows among a batch's (source, source_ref) pairs, in one statement: the pairs are
# joined to the unique (source, source_ref) index, one probe per pair. (An OR of pairs makes
# both planners scan every row of a source; an IN list per column filters them one by one.)
_KNOWN_PG = (
    "SELECT i.* FROM unnest(%s::varchar[], %s::varchar[]) AS k(source, source_ref)"
    " JOIN timeline_interaction i ON i.source = k.source AND i.source_ref = k.source_ref"
)
# SQLite: VALUES rows, probing the index from the outer loop (CROSS JOIN fixes the order).
_KNOWN_SQLITE = (
    "SELECT i.* FROM (VALUES {pairs}) AS k CROSS JOIN timeline_interaction i"
    " ON i.source = k.column1 AND i.source_ref = k.column2"
)
_SQLITE_PAIRS = 4000  # 8,000 bound parameters a statement: SQLite 3.32+ takes 32,766


def _existing(items: list[InteractionInput]) -> dict[tuple[str, str], Interaction]:
    keys = sorted({(i.source[:64], i.source_ref[:200]) for i in items if i.source_ref})
    if not keys:
        return {}
    statements: list[tuple[str, list[Any]]]
    if connection.vendor == "postgresql":
        statements = [(_KNOWN_PG, [[s for s, _ in keys], [r for _, r in keys]])]
    else:
        statements = []
        for start in range(0, len(keys), _SQLITE_PAIRS):
            chunk = keys[start : start + _SQLITE_PAIRS]
            pairs = ", ".join(["(%s, %s)"] * len(chunk))
            statements.append(
                (_KNOWN_SQLITE.format(pairs=pairs), [v for pair in chunk for v in pair])
            )
    found: dict[tuple[str, str], Interaction] = {}
    for sql, params in statements:
        for row in Interaction.objects.raw(sql, params):
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
    staff_id = actor.pk if actor is not None else None
    values: list[dict[str, Any]] = []
    slots: list[Interaction | int] = []  # per item: a known row, or the index of a new one
    first_new: dict[tuple[str, str], int] = {}
    for item in items:
        key = (item.source[:64], item.source_ref[:200])
        if item.source_ref and key in existing:
            slots.append(existing[key])
        elif item.source_ref and key in first_new:
            slots.append(first_new[key])  # a repeat inside the batch refers to that row
        else:
            if item.source_ref:
                first_new[key] = len(values)
            slots.append(len(values))
            values.append(
                {
                    "customer_id": item.customer_id,
                    "channel": item.channel,
                    "direction": item.direction,
                    "occurred_at": item.occurred_at or now,
                    "staff_id": staff_id,
                    "topic": item.topic.strip(),
                    "summary": item.summary.strip(),
                    "outcome": item.outcome[:200],
                    "follow_up": item.follow_up[:300],
                    "follow_up_due": item.follow_up_due,
                    "link_type": item.link_type[:32],
                    "link_id": str(item.link_id)[:64],
                    "source": item.source[:64],
                    "source_ref": item.source_ref[:200] or None,
                }
            )
    new_rows = bulk.insert(Interaction, values)
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
    result: list[tuple[Interaction, bool]] = []
    claimed: set[int] = set()
    for slot in slots:
        if isinstance(slot, Interaction):
            result.append((slot, False))
        else:
            result.append((new_rows[slot], slot not in claimed))
            claimed.add(slot)
    return result
