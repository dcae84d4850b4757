"""Merging a duplicate into a survivor, and undoing it, without losing a row.

Rows that belong to a customer are moved to the survivor by updating their customer key.
This app's own models are listed in :data:`MOVABLE`; apps above it (the timeline, tickets,
orders, …) register theirs with :func:`register_movable` in their ``AppConfig.ready``. The
duplicate is kept, marked ``merged_into``, so an undo can move the same rows back.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers.events import CustomerChanged
from heartline.customers.models import Customer, Merge, Relation
from heartline.customers.services import PROFILE_FIELDS, _apply_names

# "app_label.Model" -> name of its foreign key to Customer
MOVABLE: dict[str, str] = {
    "customers.Identity": "customer",
    "customers.Moment": "customer",
    "customers.Address": "customer",
    "customers.Note": "customer",
    "customers.ConsentEvent": "customer",
}
CHOOSABLE = ("kind", "name_cjk", "name_pinyin", "name_latin", "language")


def register_movable(model_label: str, field_name: str) -> None:
    MOVABLE[model_label] = field_name


def _locked_pair(survivor_id: int, duplicate_id: int) -> tuple[Customer, Customer]:
    rows = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[survivor_id, duplicate_id])
    }
    if len(rows) != 2:
        raise Customer.DoesNotExist(_("Both customers must exist."))
    return rows[survivor_id], rows[duplicate_id]


def _move_relations(survivor: Customer, duplicate: Customer) -> tuple[list[int], list[int]]:
    """Move the duplicate's relations to the survivor. Those that would clash with one the
    survivor has, or would relate the survivor to itself, stay on the merged-away duplicate
    (hidden with it, deleted never) and are listed as kept."""
    moved: list[int] = []
    kept: list[int] = []
    existing = set(Relation.objects.filter(customer=survivor).values_list("kind", "other_id"))
    for rel in Relation.objects.filter(customer=duplicate):
        if rel.other_id == survivor.pk or (rel.kind, rel.other_id) in existing:
            kept.append(rel.pk)
        else:
            Relation.objects.filter(pk=rel.pk).update(customer=survivor)
            moved.append(rel.pk)
    for rel in Relation.objects.filter(other=duplicate).exclude(pk__in=kept):
        clash = Relation.objects.filter(customer_id=rel.customer_id, kind=rel.kind, other=survivor)
        if rel.customer_id == survivor.pk or clash.exists():
            kept.append(rel.pk)
        else:
            Relation.objects.filter(pk=rel.pk).update(other=survivor)
            moved.append(-rel.pk)  # negative: moved on the "other" side
    return moved, kept


@transaction.atomic
def customer_merge(
    *, actor: Any, survivor: Customer, duplicate: Customer, choose: dict[str, str] | None = None
) -> Merge:
    """Merge ``duplicate`` into ``survivor``. ``choose`` maps a profile field to "duplicate"
    to keep the duplicate's value; by default the survivor's non-empty values win."""
    if actor is not None and not actor.has_perm("customers.merge"):
        raise PermissionDenied("customers.merge")
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A customer cannot be merged into itself."))
    survivor, duplicate = _locked_pair(survivor.pk, duplicate.pk)
    if survivor.merged_into_id or duplicate.merged_into_id:
        raise ValidationError(_("One of these customers has already been merged."))
    choose = choose or {}
    bad = {
        f
        for f, side in choose.items()
        if f not in CHOOSABLE or side not in ("survivor", "duplicate")
    }
    if bad:
        raise ValidationError({"choose": [_("Cannot choose: %s") % ", ".join(sorted(bad))]})

    before = {f: getattr(survivor, f) for f in PROFILE_FIELDS}
    for name in CHOOSABLE:
        theirs = getattr(duplicate, name)
        if choose.get(name) == "duplicate" or (not getattr(survivor, name) and theirs):
            setattr(survivor, name, theirs)
    survivor.tags = sorted(set(survivor.tags) | set(duplicate.tags))
    survivor.preferences = {**duplicate.preferences, **survivor.preferences}
    _apply_names(survivor)
    survivor.save()

    moved: dict[str, list[int]] = {}
    for label, fk in MOVABLE.items():
        model = apps.get_model(label)
        ids = list(model._default_manager.filter(**{fk: duplicate}).values_list("pk", flat=True))
        model._default_manager.filter(pk__in=ids).update(**{fk: survivor})
        moved[label] = ids
    moved["customers.Relation"], kept = _move_relations(survivor, duplicate)
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])

    merge = Merge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        merged_by=actor,
        record={"survivor_before": before, "moved": moved, "kept_relations": kept},
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=survivor,
        changes={
            "merged": [None, duplicate.pk],
            "merge": [None, merge.pk],
            **audit.diff(before, {f: getattr(survivor, f) for f in PROFILE_FIELDS}),
        },
    )
    publish(CustomerChanged(customer_id=survivor.pk, fields=["merge"]))
    publish(CustomerChanged(customer_id=duplicate.pk, fields=["merged_into"]))  # its open pages
    return merge


@transaction.atomic
def merge_undo(*, actor: Any, merge: Merge) -> Merge:
    """Move every row the merge moved back to the duplicate and restore the survivor."""
    if actor is not None and not actor.has_perm("customers.merge"):
        raise PermissionDenied("customers.merge")
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    survivor, duplicate = _locked_pair(merge.survivor_id, merge.duplicate_id)
    if Merge.objects.filter(duplicate=survivor, undone_at__isnull=True, pk__gt=merge.pk).exists():
        raise ValidationError(_("Undo the later merge of this customer first."))
    record = merge.record
    for label, ids in record["moved"].items():
        if label == "customers.Relation":
            Relation.objects.filter(pk__in=[i for i in ids if i > 0]).update(customer=duplicate)
            Relation.objects.filter(pk__in=[-i for i in ids if i < 0]).update(other=duplicate)
            continue
        model = apps.get_model(label)
        fk = MOVABLE.get(label, "customer")
        model._default_manager.filter(pk__in=ids).update(**{fk: duplicate})
    restored = record["survivor_before"]
    for name in PROFILE_FIELDS:
        default = [] if name == "tags" else {} if name == "preferences" else ""
        setattr(survivor, name, restored.get(name, default))
    _apply_names(survivor)
    survivor.save()
    duplicate.merged_into = None
    duplicate.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at, merge.undone_by = timezone.now(), actor
    merge.save(update_fields=["undone_at", "undone_by"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=survivor,
        changes={"merge_undone": [None, merge.pk], "restored": [None, duplicate.pk]},
    )
    publish(CustomerChanged(customer_id=survivor.pk, fields=["merge_undone"]))
    publish(CustomerChanged(customer_id=duplicate.pk, fields=["merge_undone"]))
    return merge
