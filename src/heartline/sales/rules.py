"""The rules of a pipeline, checked by :func:`heartline.sales.services.deal_move` for every stage
change — from the board, the API, an import or a converted lead alike.

* **Required fields**: a stage lists deal fields (from :data:`REQUIRABLE_FIELDS`) that must be
  filled before a deal may enter it.
* **No skipping**: in a pipeline with ``no_skipping``, an open deal moves forward one open stage
  at a time (and is won only from the last open stage); moving backward, and losing a deal from
  any stage, are allowed.
* **Closing**: a lost stage needs a lost reason.
* The target stage must belong to the deal's own pipeline.

A refusal is a :class:`StageRuleError` (a ``ValidationError``) whose message says exactly which
field is missing or which stage must come first; the edges show it as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heartline.sales.models import Deal, Stage


@dataclass(frozen=True)
class Requirable:
    label: str | Promise
    filled: Callable[[Deal], bool]


def _has_lines(deal: Deal) -> bool:
    return deal.pk is not None and deal.lines.exists()


# The fixed catalogue of fields a stage may require, in the order messages list them.
REQUIRABLE_FIELDS: dict[str, Requirable] = {
    "amount": Requirable(gettext_lazy("amount"), lambda d: d.amount is not None and d.amount > 0),
    "expected_close": Requirable(
        gettext_lazy("expected close date"), lambda d: d.expected_close is not None
    ),
    "owner": Requirable(gettext_lazy("owner"), lambda d: d.owner_id is not None),
    "lines": Requirable(gettext_lazy("products (at least one line)"), _has_lines),
    "competitors": Requirable(gettext_lazy("competitors"), lambda d: bool(d.competitors)),
    "lost_reason": Requirable(gettext_lazy("lost reason"), lambda d: d.lost_reason_id is not None),
}


class StageRuleError(ValidationError):
    """A stage change the pipeline's rules refuse. ``rule`` names the rule (``required_fields``,
    ``no_skipping``, ``lost_reason``, ``pipeline``, ``lost_reason_not_lost``); ``details`` says
    what is missing (``{"fields": [...]}``) or which stage comes first (``{"stage_id": n}``)."""

    def __init__(self, message: str, *, rule: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, code=rule)
        self.rule = rule
        self.details = {"rule": rule, **(details or {})}


def clean_required_fields(value: Any) -> list[str]:
    """``value`` as a list of known field names, in catalogue order; else a ValidationError."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError({"required_fields": [_("Give a list of field names.")]})
    unknown = sorted(set(value) - set(REQUIRABLE_FIELDS))
    if unknown:
        raise ValidationError(
            {
                "required_fields": [
                    _("Unknown fields: %(unknown)s. A stage may require: %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(REQUIRABLE_FIELDS)}
                ]
            }
        )
    return [name for name in REQUIRABLE_FIELDS if name in value]


def missing_fields(deal: Deal, stage: Stage) -> list[str]:
    """Names of the fields ``stage`` requires that ``deal`` has not filled."""
    wanted = [name for name in REQUIRABLE_FIELDS if name in (stage.required_fields or [])]
    return [name for name in wanted if not REQUIRABLE_FIELDS[name].filled(deal)]


def field_labels(names: Sequence[str]) -> str:
    return ", ".join(str(REQUIRABLE_FIELDS[n].label) for n in names)


def _stage_name(stage: Stage) -> str:
    return str(stage)


def _next_open(stage: Stage, open_stages: Sequence[Stage]) -> Stage | None:
    later = [s for s in open_stages if (s.position, s.pk) > (stage.position, stage.pk)]
    return later[0] if later else None


def check_skipping(deal: Deal, current: Stage, target: Stage, open_stages: Sequence[Stage]) -> None:
    """No skipping: an open deal enters only the next open stage going forward, and is won only
    from the last open stage. ``open_stages`` are the pipeline's open stages in board order."""
    if deal.status != Deal.Status.OPEN or target.kind == Stage.Kind.LOST:
        return
    if current.kind != Stage.Kind.OPEN:
        return
    if target.kind == Stage.Kind.OPEN and (target.position, target.pk) <= (
        current.position,
        current.pk,
    ):
        return  # backward (or the same place)
    following = _next_open(current, open_stages)
    if target.kind == Stage.Kind.OPEN and following is not None and following.pk == target.pk:
        return
    if target.kind == Stage.Kind.WON and following is None:
        return
    first = following if following is not None else current
    raise StageRuleError(
        _(
            "This pipeline moves deals one stage at a time: move the deal to “%(stage)s” "
            "before “%(target)s”."
        )
        % {"stage": _stage_name(first), "target": _stage_name(target)},
        rule="no_skipping",
        details={"stage_id": first.pk},
    )


def check_move(
    deal: Deal,
    current: Stage,
    target: Stage,
    *,
    no_skipping: bool,
    open_stages: Sequence[Stage],
    lost_reason_id: int | None,
) -> None:
    """Every rule of a move of ``deal`` from ``current`` to ``target``; raises the first one
    broken, in this order: pipeline, no skipping, required fields, lost reason."""
    if target.pipeline_id != deal.pipeline_id:
        raise StageRuleError(
            _("The stage “%(stage)s” belongs to another pipeline than this deal's.")
            % {"stage": _stage_name(target)},
            rule="pipeline",
            details={"stage_id": target.pk},
        )
    if lost_reason_id is not None and target.kind != Stage.Kind.LOST:
        raise StageRuleError(
            _("A lost reason is given only when a deal moves to a lost stage."),
            rule="lost_reason_not_lost",
        )
    if no_skipping:
        check_skipping(deal, current, target, open_stages)
    missing = missing_fields(deal, target)
    if target.kind == Stage.Kind.LOST:  # its lost reason is the one this move gives
        missing = [m for m in missing if m != "lost_reason"]
    if missing:
        raise StageRuleError(
            _("Before a deal enters “%(stage)s”, fill in: %(fields)s.")
            % {"stage": _stage_name(target), "fields": field_labels(missing)},
            rule="required_fields",
            details={"fields": missing},
        )
    if target.kind == Stage.Kind.LOST and lost_reason_id is None:
        raise StageRuleError(
            _("Choose why the deal was lost before moving it to “%(stage)s”.")
            % {"stage": _stage_name(target)},
            rule="lost_reason",
            details={"fields": ["lost_reason"]},
        )


def required_help(stage: Stage) -> str | Promise:
    """What a stage asks for, for forms and the board (empty when nothing)."""
    if not stage.required_fields:
        return ""
    return format_lazy(gettext_lazy("Requires: {}"), field_labels(stage.required_fields))
