"""Every write to deals: creating and changing deals and their lines, and THE one
stage-change service :func:`deal_move`, which the board, the API, the import and lead
conversion all call. One transaction each, with its audit entry, event and timeline entry.
Configuring pipelines and stages is in ``sales.pipelines``."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.catalogue.money import currency_code, round_money, to_decimal
from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers.models import Customer
from heartline.sales import ranks, rules
from heartline.sales.events import DealChanged, DealCreated, DealStageChanged
from heartline.sales.lines import DealLineInput, build_lines
from heartline.sales.models import Deal, DealLine, LostReason, Pipeline, Stage, StageChange
from heartline.timeline.services import interaction_record

MAX_AMOUNT = Decimal("99999999999999")
MAX_COMPETITORS = 20
VIA = ("board", "api", "import", "form", "lead", "system")
DEAL_FIELDS = (
    "title",
    "amount",
    "currency",
    "tax_inclusive",
    "expected_close",
    "owner",
    "competitors",
)
_UNSET: Any = object()


def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


def lock_deal(deal_id: int) -> tuple[Deal, dict[int, Stage]]:
    """The deal's row, locked until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite's
    write transactions are serial already), with its pipeline and the pipeline's stages (by
    id) read after the lock; ``deal.stage`` is set from them.

    The lock is on the deal alone, without a join: when the row changed while we waited,
    PostgreSQL re-checks a join against the old joined rows and would lose the deal."""
    deal = Deal.objects.select_for_update().get(pk=deal_id)
    deal.pipeline = Pipeline.objects.get(pk=deal.pipeline_id)
    stages = {s.pk: s for s in Stage.objects.filter(pipeline_id=deal.pipeline_id)}
    deal.stage = stages[deal.stage_id]
    return deal, stages


# --- Deals -----------------------------------------------------------------------------------
def _clean_amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    amount = to_decimal(value)
    if not 0 <= amount <= MAX_AMOUNT:
        raise ValidationError(
            {"amount": [_("The amount must be between 0 and 99,999,999,999,999.")]}
        )
    return amount


def _clean_competitors(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError({"competitors": [_("Competitors are a list of names.")]})
    names: list[str] = []
    for raw in value:
        name = raw.strip()[:100]
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_COMPETITORS:
        raise ValidationError({"competitors": [_("Name at most 20 competitors.")]})
    return names


def _clean_owner(owner: Any) -> Any:
    if owner is not None and not getattr(owner, "is_active", False):
        raise ValidationError({"owner": [_("The owner must be an active staff member.")]})
    return owner


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not 1 <= len(title) <= 200:
        raise ValidationError({"title": [_("Give the deal a title of 1 to 200 characters.")]})
    return title


def _apply_lines(deal: Deal, lines: Sequence[DealLineInput]) -> None:
    """Replace the deal's lines; its amount becomes their net total (or stays typed without)."""
    rows, totals = build_lines(
        lines,
        currency=deal.currency,
        tax_inclusive=deal.tax_inclusive,
        customer_id=deal.customer_id,
    )
    DealLine.objects.filter(deal=deal).delete()
    for row in rows:
        row.deal = deal
    DealLine.objects.bulk_create(rows)
    if rows:
        deal.amount = totals.net


def _timeline(deal: Deal, actor: Any, topic: str, summary: str, ref: str) -> None:
    """The deal's step on its customer's timeline (written by the system, done by ``actor``)."""
    interaction_record(
        actor=None,
        staff=actor if getattr(actor, "is_authenticated", False) else None,
        customer=Customer(pk=deal.customer_id),
        channel="system",
        direction="internal",
        topic=topic[:100],
        summary=summary,
        link_type="deal",
        link_id=str(deal.pk),
        source="sales",
        source_ref=ref,
    )


def _event_ids(deal: Deal) -> dict[str, int]:
    return {"deal_id": deal.pk, "customer_id": deal.customer_id, "pipeline_id": deal.pipeline_id}


def _first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("position", "id").first()
    if stage is None:
        raise ValidationError({"pipeline": [_("This pipeline has no open stage.")]})
    return stage


@transaction.atomic
def deal_create(
    *,
    actor: Any,
    customer: Customer,
    title: str,
    pipeline: Pipeline,
    stage: Stage | None = None,
    amount: Any = None,
    currency: str | None = None,
    tax_inclusive: bool = False,
    expected_close: datetime.date | None = None,
    owner: Any = _UNSET,
    competitors: Sequence[str] = (),
    lines: Sequence[DealLineInput] = (),
    source: str = "",
    via: str = "form",
    lost_reason: LostReason | None = None,
    lost_note: str = "",
) -> Deal:
    """A new deal of ``customer`` in the first open stage of ``pipeline``; with ``stage``, then
    moved there by :func:`deal_move` under the pipeline's rules (a refusal writes nothing)."""
    _require(actor, "deals.edit")
    if customer.merged_into_id is not None:
        raise ValidationError({"customer": [_("This customer was merged into another.")]})
    if not pipeline.active:
        raise ValidationError({"pipeline": [_("This pipeline is no longer in use.")]})
    if owner is _UNSET:
        owner = actor if getattr(actor, "is_authenticated", False) else None
    first = _first_open_stage(pipeline)
    now = timezone.now()
    currency = currency_code(currency or pipeline.currency)
    deal = Deal(
        title=_clean_title(title),
        customer=customer,
        pipeline=pipeline,
        stage=first,
        status=Deal.Status.OPEN,
        amount=_clean_amount(amount),
        currency=currency,
        tax_inclusive=bool(tax_inclusive),
        expected_close=expected_close,
        owner=_clean_owner(owner),
        competitors=_clean_competitors(list(competitors)),
        rank=ranks.top_rank(first.pk),
        source=source[:64],
        stage_entered_at=now,
    )
    if deal.amount is not None:
        deal.amount = round_money(deal.amount, currency)
    deal.save()
    if lines:
        _apply_lines(deal, lines)
        deal.save(update_fields=["amount"])
    change = StageChange.objects.create(deal=deal, to_stage=first, at=now, by=_user(actor), via=via)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=deal,
        changes={
            **audit.diff({}, {**audit.snapshot(deal, DEAL_FIELDS), "customer": customer.pk}),
            "pipeline": [None, pipeline.pk],
            "stage": [None, first.pk],
            "via": [None, via],
        },
    )
    publish(DealCreated(**_event_ids(deal)))
    _timeline(
        deal,
        actor,
        _("Deal opened"),
        _("Deal “%(title)s” opened in %(pipeline)s, stage “%(stage)s”.")
        % {"title": deal.title, "pipeline": pipeline, "stage": first},
        f"stage_change:{change.pk}",
    )
    if stage is not None and stage.pk != first.pk:
        deal = deal_move(
            actor=actor,
            deal=deal,
            to_stage=stage,
            via=via,
            lost_reason=lost_reason,
            lost_note=lost_note,
        )
    elif lost_reason is not None:
        raise rules.StageRuleError(
            _("A lost reason is given only when a deal moves to a lost stage."),
            rule="lost_reason_not_lost",
        )
    return deal


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _refuse_emptied(deal: Deal, stage: Stage, missing_before: set[str]) -> None:
    """An update may not empty a field the deal's current stage requires."""
    emptied = [n for n in rules.missing_fields(deal, stage) if n not in missing_before]
    if emptied:
        raise ValidationError(
            {
                emptied[0]: [
                    _("“%(stage)s” requires %(fields)s: it stays filled while the deal is there.")
                    % {"stage": stage, "fields": rules.field_labels(emptied)}
                ]
            }
        )


@transaction.atomic
def deal_update(
    *, actor: Any, deal: Deal, lines: Sequence[DealLineInput] | None = None, **fields: Any
) -> Deal:
    """Change a deal's details (not its stage: that is :func:`deal_move`). ``lines`` replaces
    every line. With lines, the amount is their net total and is not typed."""
    _require(actor, "deals.edit")
    unknown = set(fields) - set(DEAL_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    deal, _stages = lock_deal(deal.pk)
    if deal.amount is not None:  # as the currency writes it, so the audit shows 10.00
        deal.amount = round_money(deal.amount, deal.currency)
    before = audit.snapshot(deal, DEAL_FIELDS)
    had_lines = deal.lines.exists()
    missing_before = set(rules.missing_fields(deal, deal.stage))
    if "title" in fields:
        deal.title = _clean_title(fields["title"])
    if "currency" in fields:
        deal.currency = currency_code(fields["currency"])
        if deal.currency != before["currency"] and had_lines and lines is None:
            raise ValidationError(
                {"currency": [_("Give the lines again to change the currency of a deal.")]}
            )
    if "tax_inclusive" in fields:
        deal.tax_inclusive = bool(fields["tax_inclusive"])
    if "expected_close" in fields:
        deal.expected_close = fields["expected_close"]
    if "owner" in fields:
        deal.owner = _clean_owner(fields["owner"])
    if "competitors" in fields:
        deal.competitors = _clean_competitors(fields["competitors"])
    if lines is not None:
        _apply_lines(deal, lines)
    elif had_lines and deal.tax_inclusive != before["tax_inclusive"]:
        raise ValidationError(
            {"tax_inclusive": [_("Give the lines again to change whether prices include tax.")]}
        )
    has_lines = deal.lines.exists() if lines is not None else had_lines
    if "amount" in fields:
        typed = _clean_amount(fields["amount"])
        typed = round_money(typed, deal.currency) if typed is not None else None
        if has_lines and typed != deal.amount:
            raise ValidationError(
                {"amount": [_("This deal has lines: its amount is their net total.")]}
            )
        deal.amount = typed
    elif deal.amount is not None and not has_lines:
        deal.amount = round_money(deal.amount, deal.currency)
    _refuse_emptied(deal, deal.stage, missing_before)
    changes = audit.diff(before, audit.snapshot(deal, DEAL_FIELDS))
    if lines is not None:
        changes["lines"] = [None, len(lines)]
    if not changes:
        return deal
    deal.save()
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=deal, changes=changes)
    publish(DealChanged(**_event_ids(deal), fields=sorted(changes)))
    return deal


# --- THE stage change ------------------------------------------------------------------------
def _closing(deal: Deal, target: Stage, now: datetime.datetime, reason: Any, note: str) -> None:
    if target.kind == Stage.Kind.OPEN:
        deal.status, deal.closed_at = Deal.Status.OPEN, None
        deal.lost_reason, deal.lost_note = None, ""
    elif target.kind == Stage.Kind.WON:
        deal.status, deal.closed_at = Deal.Status.WON, now
        deal.lost_reason, deal.lost_note = None, ""
    else:
        deal.status, deal.closed_at = Deal.Status.LOST, now
        deal.lost_reason, deal.lost_note = reason, note.strip()[:300]


def _topic(before_status: str, target: Stage) -> str:
    if target.kind == Stage.Kind.WON:
        return _("Deal won")
    if target.kind == Stage.Kind.LOST:
        return _("Deal lost")
    if before_status != Deal.Status.OPEN:
        return _("Deal reopened")
    return _("Deal moved")


@transaction.atomic
def deal_move(
    *,
    actor: Any,
    deal: Deal,
    to_stage: Stage,
    via: str,
    after: int | None = None,
    before: int | None = None,
    position: str | None = None,
    lost_reason: LostReason | None = None,
    lost_note: str = "",
) -> Deal:
    """Move ``deal`` to ``to_stage`` (placed after/before a neighbouring card, or at the
    ``position`` "top" or "bottom" of the column) under the pipeline's rules (``sales.rules``).

    A move into a won or lost stage closes the deal; a move out of one reopens it. Each stage
    change appends a :class:`StageChange`, an audit entry, a ``DealStageChanged`` event and an
    entry on the customer's timeline. The deal's row is locked first, so two moves of one deal
    run one after the other and each checks the rules against what the other left.
    A refusal raises :class:`heartline.sales.rules.StageRuleError` and changes nothing."""
    _require(actor, "deals.edit")
    if via not in VIA:
        raise ValidationError({"via": [_("Unknown origin of a move.")]})
    deal, stages = lock_deal(deal.pk)
    target = stages.get(to_stage.pk) or Stage.objects.get(pk=to_stage.pk)  # or another pipeline's
    current = deal.stage
    if lost_reason is not None and not lost_reason.active:
        raise ValidationError({"lost_reason": [_("This lost reason is no longer in use.")]})
    rank = ranks.rank_for(target.pk, deal.pk, after=after, before=before, position=position)
    if target.pk == current.pk:  # a new place in the same column: no stage change
        if lost_reason is not None:
            raise ValidationError({"lost_reason": [_("The deal is already in this stage.")]})
        if rank != deal.rank:
            deal.rank = rank
            deal.save(update_fields=["rank", "updated_at"])
            publish(DealChanged(**_event_ids(deal), fields=["rank"]))
        return deal
    open_stages = sorted(
        (s for s in stages.values() if s.kind == Stage.Kind.OPEN), key=lambda s: (s.position, s.pk)
    )
    rules.check_move(
        deal,
        current,
        target,
        no_skipping=deal.pipeline.no_skipping,
        open_stages=open_stages,
        lost_reason_id=lost_reason.pk if lost_reason is not None else None,
    )
    now = timezone.now()
    old: dict[str, Any] = {
        "stage": current.pk,
        "status": deal.status,
        "closed_at": deal.closed_at,
        "lost_reason": deal.lost_reason_id,
        "lost_note": deal.lost_note,
    }
    deal.stage, deal.stage_entered_at, deal.rank = target, now, rank
    _closing(deal, target, now, lost_reason, lost_note)
    deal.save(
        update_fields=[
            "stage",
            "status",
            "closed_at",
            "lost_reason",
            "lost_note",
            "rank",
            "stage_entered_at",
            "updated_at",
        ]
    )
    change = StageChange.objects.create(
        deal=deal, from_stage=current, to_stage=target, at=now, by=_user(actor), via=via
    )
    new = {
        "stage": target.pk,
        "status": deal.status,
        "closed_at": deal.closed_at,
        "lost_reason": deal.lost_reason_id,
        "lost_note": deal.lost_note,
    }
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=deal,
        changes={**audit.diff(old, new), "via": [None, via]},
    )
    publish(
        DealStageChanged(
            **_event_ids(deal),
            stage_change_id=change.pk,
            from_stage_id=current.pk,
            to_stage_id=target.pk,
            status=deal.status,
            via=via,
        )
    )
    summary = _("“%(title)s”: %(from)s → %(to)s.") % {
        "title": deal.title,
        "from": current,
        "to": target,
    }
    if deal.lost_reason is not None:
        summary += " " + _("Lost because: %(reason)s.") % {"reason": deal.lost_reason}
    _timeline(deal, actor, _topic(old["status"], target), summary, f"stage_change:{change.pk}")
    return deal
