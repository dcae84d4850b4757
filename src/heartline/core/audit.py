"""Writing the audit trail. Call these inside the transaction of the change they describe."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from heartline.core import bulk, context
from heartline.core.models import AuditEntry

REDACTED = "[redacted]"
_SECRET_FIELDS = frozenset({"password", "key_hash", "secret", "token", "key"})


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed; secrets are redacted."""
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            changes[key] = [REDACTED, REDACTED] if key in _SECRET_FIELDS else [old, new]
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_label": "system" if actor is None else "anonymous"}
    return {"actor": actor, "actor_label": actor.get_username()}


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit entry for ``actor`` doing ``action`` to ``obj``."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:200]
    ctx = context.current()
    return AuditEntry.objects.create(
        **_actor_fields(actor),
        channel=ctx.channel,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label[:200],
        changes=_plain(dict(changes or {})),
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def record_many(
    *, actor: Any, action: str, objects: Iterable[models.Model], changes: list[dict[str, Any]]
) -> None:
    """One audit entry per object, written with one INSERT (bulk writes)."""
    ctx = context.current()
    who = _actor_fields(actor)
    same = {
        "actor_id": who["actor"].pk if who["actor"] is not None else None,
        "actor_label": who["actor_label"],
        "channel": ctx.channel,
        "action": action,
        "request_id": ctx.request_id,
        "ip": ctx.ip,
    }
    bulk.insert(
        AuditEntry,
        [
            {
                **same,
                "object_type": obj._meta.label_lower,
                "object_id": str(obj.pk),
                "object_label": str(obj)[:200],
                "changes": _plain(change),
            }
            for obj, change in zip(objects, changes, strict=True)
        ],
        returning=False,
    )


def record_view(*, actor: Any, obj: models.Model, fields: Iterable[str] = ()) -> AuditEntry:
    """Record that ``actor`` looked at personal data of ``obj`` (which fields, when known)."""
    return record(
        actor=actor, action=AuditEntry.Action.VIEW, obj=obj, changes={"fields": sorted(fields)}
    )
