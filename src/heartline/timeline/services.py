"""Recording contacts. Every channel calls :func:`interaction_record`; nothing else writes rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer
from heartline.timeline.events import InteractionRecorded
from heartline.timeline.models import Interaction

MAX_FUTURE = datetime.timedelta(minutes=5)
_CHANNELS = frozenset(Interaction.Channel.values)  # built once: a batch validates thousands
_DIRECTIONS = frozenset(Interaction.Direction.values)


def validate(
    *, channel: str, direction: str, occurred_at: datetime.datetime, summary: str, topic: str
) -> None:
    errors: dict[str, list[str]] = {}
    if channel not in _CHANNELS:
        errors["channel"] = [_("Unknown channel %(c)s.") % {"c": channel}]
    if direction not in _DIRECTIONS:
        errors["direction"] = [_("Direction is in, out or internal.")]
    if timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Give the time with its time zone.")]
    elif occurred_at > timezone.now() + MAX_FUTURE:
        errors["occurred_at"] = [_("An interaction cannot happen in the future.")]
    if len(summary) > 4000:
        errors["summary"] = [_("Keep the summary under 4,000 characters.")]
    if len(topic) > 100:
        errors["topic"] = [_("Keep the topic under 100 characters.")]
    if errors:
        raise ValidationError(errors)


def _by_source_ref(source: str, source_ref: str) -> Interaction | None:
    # get(), not first(): first() would add the model's ORDER BY and lead the planner away
    # from the unique (source, source_ref) index.
    try:
        return Interaction.objects.get(source=source[:64], source_ref=source_ref[:200])
    except Interaction.DoesNotExist:
        return None


def interaction_record(
    *,
    actor: Any,
    customer: Customer,
    channel: str,
    direction: str,
    occurred_at: datetime.datetime | None = None,
    summary: str = "",
    topic: str = "",
    outcome: str = "",
    staff: Any = None,
    follow_up: str = "",
    follow_up_due: datetime.date | None = None,
    closes: Interaction | None = None,
    corrects: Interaction | None = None,
    link_type: str = "",
    link_id: str = "",
    source: str = "",
    source_ref: str = "",
) -> tuple[Interaction, bool]:
    """Append one interaction. Returns ``(row, created)``; a repeated ``(source, source_ref)``
    returns the existing row and writes nothing, so a retried delivery never duplicates."""
    if actor is not None and not actor.has_perm("interactions.record"):
        raise PermissionDenied("interactions.record")
    occurred_at = occurred_at or timezone.now()
    summary, topic = summary.strip(), topic.strip()
    validate(
        channel=channel, direction=direction, occurred_at=occurred_at, summary=summary, topic=topic
    )
    if source_ref:
        existing = _by_source_ref(source, source_ref)
        if existing is not None:
            return existing, False
    for linked in (closes, corrects):
        if linked is not None and linked.customer_id != customer.pk:
            raise ValidationError(_("A linked interaction must belong to the same customer."))
    try:
        with transaction.atomic():
            row = Interaction.objects.create(
                customer=customer,
                channel=channel,
                direction=direction,
                occurred_at=occurred_at,
                staff=staff if staff is not None else actor,
                topic=topic,
                summary=summary,
                outcome=outcome[:200],
                follow_up=follow_up[:300],
                follow_up_due=follow_up_due,
                closes=closes,
                corrects=corrects,
                link_type=link_type[:32],
                link_id=str(link_id)[:64],
                source=source[:64],
                source_ref=source_ref[:200] or None,
            )
            audit.record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=row,
                changes={"customer": [None, customer.pk], "channel": [None, channel]},
            )
            publish(
                InteractionRecorded(interaction_id=row.pk, customer_id=customer.pk, channel=channel)
            )
    except IntegrityError:
        if not source_ref:
            raise
        # A concurrent delivery of the same source_ref won the race.
        return Interaction.objects.get(source=source[:64], source_ref=source_ref[:200]), False
    return row, True
