"""Configuring pipelines: pipelines, their stages (kind, probability, required fields) and the
lost reasons. Needs ``pipelines.manage``; one transaction, audit entry and event each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from heartline.catalogue.money import currency_code
from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.sales import rules
from heartline.sales.events import PipelineChanged
from heartline.sales.models import Deal, LostReason, Pipeline, Stage

PIPELINE_FIELDS = ("name_en", "name_zh", "currency", "no_skipping", "position", "active")
STAGE_FIELDS = ("name_en", "name_zh", "kind", "probability", "required_fields", "position")
CLOSED_PROBABILITY = {Stage.Kind.WON: 100, Stage.Kind.LOST: 0}


def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


def _names(name_en: str, name_zh: str) -> tuple[str, str]:
    name_en, name_zh = name_en.strip(), name_zh.strip()
    if not name_en and not name_zh:
        raise ValidationError({"name_en": [_("Give a name in English or in Chinese.")]})
    return name_en, name_zh


@dataclass(frozen=True)
class StageInput:
    name_en: str = ""
    name_zh: str = ""
    kind: str = Stage.Kind.OPEN
    probability: int | None = None
    required_fields: Sequence[str] = ()


def _stage_values(kind: str, probability: int | None, required: Any) -> tuple[str, int, list[str]]:
    if kind not in Stage.Kind.values:
        raise ValidationError({"kind": [_("A stage is open, won or lost.")]})
    closed = CLOSED_PROBABILITY.get(Stage.Kind(kind))
    if probability is None:
        probability = closed if closed is not None else 10
    if type(probability) is not int or not 0 <= probability <= 100:
        raise ValidationError({"probability": [_("The probability is a whole number 0–100.")]})
    if closed is not None and probability != closed:
        raise ValidationError(
            {"probability": [_("A won stage has probability 100 and a lost stage 0.")]}
        )
    return kind, probability, rules.clean_required_fields(list(required))


@transaction.atomic
def pipeline_create(
    *,
    actor: Any,
    name_en: str = "",
    name_zh: str = "",
    currency: str = "CNY",
    no_skipping: bool = False,
    stages: Sequence[StageInput] = (),
) -> Pipeline:
    """A pipeline with its stages (in the order given)."""
    _require(actor, "pipelines.manage")
    name_en, name_zh = _names(name_en, name_zh)
    last = Pipeline.objects.order_by("-position").values_list("position", flat=True).first()
    pipeline = Pipeline.objects.create(
        name_en=name_en,
        name_zh=name_zh,
        currency=currency_code(currency),
        no_skipping=bool(no_skipping),
        position=(last or 0) + 1,
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=pipeline,
        changes=audit.diff({}, audit.snapshot(pipeline, PIPELINE_FIELDS)),
    )
    for index, item in enumerate(stages):
        stage_create(
            actor=actor,
            pipeline=pipeline,
            position=index + 1,
            name_en=item.name_en,
            name_zh=item.name_zh,
            kind=item.kind,
            probability=item.probability,
            required_fields=item.required_fields,
        )
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: Any, pipeline: Pipeline, **fields: Any) -> Pipeline:
    _require(actor, "pipelines.manage")
    unknown = set(fields) - set(PIPELINE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    before = audit.snapshot(pipeline, PIPELINE_FIELDS)
    for name, value in fields.items():
        setattr(pipeline, name, value)
    pipeline.name_en, pipeline.name_zh = _names(pipeline.name_en, pipeline.name_zh)
    pipeline.currency = currency_code(pipeline.currency)
    changes = audit.diff(before, audit.snapshot(pipeline, PIPELINE_FIELDS))
    if changes:
        pipeline.save()
        audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=pipeline, changes=changes)
        publish(PipelineChanged(pipeline_id=pipeline.pk))
    return pipeline


@transaction.atomic
def stage_create(
    *,
    actor: Any,
    pipeline: Pipeline,
    name_en: str = "",
    name_zh: str = "",
    kind: str = Stage.Kind.OPEN,
    probability: int | None = None,
    required_fields: Sequence[str] = (),
    position: int | None = None,
) -> Stage:
    _require(actor, "pipelines.manage")
    name_en, name_zh = _names(name_en, name_zh)
    kind, probability, required = _stage_values(kind, probability, required_fields)
    if position is None:
        last = pipeline.stages.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    stage = Stage.objects.create(
        pipeline=pipeline,
        name_en=name_en,
        name_zh=name_zh,
        kind=kind,
        probability=probability,
        required_fields=required,
        position=position,
    )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=stage,
        changes=audit.diff({}, {"pipeline": pipeline.pk, **audit.snapshot(stage, STAGE_FIELDS)}),
    )
    publish(PipelineChanged(pipeline_id=pipeline.pk))
    return stage


@transaction.atomic
def stage_update(*, actor: Any, stage: Stage, **fields: Any) -> Stage:
    """Change a stage. Its kind changes only while no deal is in it (their status follows it)."""
    _require(actor, "pipelines.manage")
    unknown = set(fields) - set(STAGE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    before = audit.snapshot(stage, STAGE_FIELDS)
    for name, value in fields.items():
        setattr(stage, name, value)
    stage.name_en, stage.name_zh = _names(stage.name_en, stage.name_zh)
    if stage.kind != before["kind"] and Deal.objects.filter(stage=stage).exists():
        raise ValidationError(
            {"kind": [_("Move the deals out of this stage before changing its kind.")]}
        )
    if "kind" in fields and "probability" not in fields:
        stage.probability = CLOSED_PROBABILITY.get(Stage.Kind(stage.kind), stage.probability)
    stage.kind, stage.probability, stage.required_fields = _stage_values(
        stage.kind, stage.probability, stage.required_fields
    )
    changes = audit.diff(before, audit.snapshot(stage, STAGE_FIELDS))
    if changes:
        stage.save()
        audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=stage, changes=changes)
        publish(PipelineChanged(pipeline_id=stage.pipeline_id))
    return stage


@transaction.atomic
def lost_reason_create(*, actor: Any, name_en: str = "", name_zh: str = "") -> LostReason:
    _require(actor, "pipelines.manage")
    name_en, name_zh = _names(name_en, name_zh)
    reason = LostReason.objects.create(name_en=name_en, name_zh=name_zh)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=reason,
        changes={"name_en": [None, name_en], "name_zh": [None, name_zh]},
    )
    return reason
