"""API of pipelines and deals. A stage change is ``POST /deals/{id}/move``: the same service as
the board and the import, so a rule refused answers 400 with the rule's own message."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from heartline.catalogue.money import round_money
from heartline.core.api import Id, error_response, errors, paginate, permission
from heartline.customers.selectors import customer_for_user
from heartline.sales import selectors, services
from heartline.sales.lines import DealLineInput, deal_totals
from heartline.sales.models import Deal, LostReason, Pipeline, Stage
from heartline.sales.rules import StageRuleError
from heartline.sales.schemas import (
    DealDetailOut,
    DealFiltersIn,
    DealIn,
    DealLineIn,
    DealPage,
    DealPatch,
    LostReasonList,
    MoveIn,
    PipelineList,
    PipelineOut,
    StageChangeList,
)

sales_router = Router()
PIPELINES = ["pipelines"]
DEALS = ["deals"]


def stage_out(stage: Stage) -> dict[str, Any]:
    return {
        "id": stage.pk,
        "name": str(stage),
        "name_en": stage.name_en,
        "name_zh": stage.name_zh,
        "position": stage.position,
        "kind": stage.kind,
        "probability": stage.probability,
        "required_fields": list(stage.required_fields or []),
    }


def pipeline_out(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.pk,
        "name": str(pipeline),
        "name_en": pipeline.name_en,
        "name_zh": pipeline.name_zh,
        "currency": pipeline.currency,
        "no_skipping": pipeline.no_skipping,
        "position": pipeline.position,
        "active": pipeline.active,
        "stages": [stage_out(s) for s in pipeline.stages.all()],
    }


def _money(value: Any, currency: str) -> str | None:
    return None if value is None else f"{round_money(value, currency):f}"


def deal_out(deal: Deal) -> dict[str, Any]:
    fields = (
        "id",
        "title",
        "customer_id",
        "pipeline_id",
        "stage_id",
        "status",
        "currency",
        "tax_inclusive",
        "expected_close",
        "owner_id",
        "competitors",
        "lost_reason_id",
        "lost_note",
        "source",
        "created_at",
        "updated_at",
        "stage_entered_at",
        "closed_at",
    )
    return {
        **{name: getattr(deal, name) for name in fields},
        "amount": _money(deal.amount, deal.currency),
    }


FIGURES = ("gross", "discount", "net", "tax", "total")


def deal_detail_out(deal: Deal) -> dict[str, Any]:
    lines = list(deal.lines.all())
    totals = deal_totals(deal) if lines else None
    rows = []
    for line, figures in zip(lines, totals.lines if totals else (), strict=True):
        rows.append(
            {
                "id": line.pk,
                "product_id": line.product_id,
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": f"{line.unit_price:f}",
                "discount_percent": f"{line.discount_percent:f}",
                "tax_rate": f"{line.tax_rate:f}",
                **{k: f"{getattr(figures, k):f}" for k in FIGURES},
            }
        )
    summary = {k: f"{getattr(totals, k):f}" for k in FIGURES} if totals else None
    return {**deal_out(deal), "lines": rows, "totals": summary}


def _rule_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """A pipeline rule refused: 400 with the rule's message, as the board and import show it."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except StageRuleError as exc:
            return error_response(400, exc.messages[0], code="stage_rule", details=exc.details)

    return wrapped


def _lines(items: list[DealLineIn]) -> list[DealLineInput]:
    return [
        DealLineInput(
            quantity=i.quantity,
            product_id=i.product_id,
            description=i.description,
            unit_price=i.unit_price,
            discount_percent=i.discount_percent,
            tax_rate=i.tax_rate,
        )
        for i in items
    ]


def _owner(owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        raise ValidationError({"owner_id": [_("There is no active staff member with this id.")]})
    return owner


def _lost_reason(request: HttpRequest, reason_id: int | None) -> LostReason | None:
    if reason_id is None:
        return None
    reason = selectors.lost_reasons_for_user(request.user).filter(pk=reason_id).first()
    if reason is None:
        raise ValidationError({"lost_reason_id": [_("There is no such lost reason.")]})
    return reason


def _stage(request: HttpRequest, stage_id: int, field: str = "stage_id") -> Stage:
    try:
        return selectors.stage_for_user(request.user, stage_id)
    except Stage.DoesNotExist as exc:
        raise ValidationError({field: [_("There is no such stage.")]}) from exc


# --- Pipelines -------------------------------------------------------------------------------
@sales_router.get(
    "/pipelines", response={200: PipelineList, **errors()}, summary="Pipelines", tags=PIPELINES
)
@permission("deals.view")
def pipeline_list(request: HttpRequest) -> dict[str, Any]:
    """Active pipelines in board order, each with its stages (kind, probability, rules)."""
    return {"items": [pipeline_out(p) for p in selectors.pipelines_for_user(request.user)]}


@sales_router.get(
    "/pipelines/{pipeline_id}",
    response={200: PipelineOut, **errors(404)},
    summary="A pipeline",
    tags=PIPELINES,
)
@permission("deals.view")
def pipeline_read(request: HttpRequest, pipeline_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return pipeline_out(selectors.pipeline_for_user(request.user, pipeline_id))


@sales_router.get(
    "/lost-reasons",
    response={200: LostReasonList, **errors()},
    summary="Reasons a deal is lost",
    tags=PIPELINES,
)
@permission("deals.view")
def lost_reason_list(request: HttpRequest) -> dict[str, Any]:
    reasons = selectors.lost_reasons_for_user(request.user)
    return {
        "items": [
            {"id": r.pk, "name": str(r), "name_en": r.name_en, "name_zh": r.name_zh}
            for r in reasons
        ]
    }


# --- Deals -----------------------------------------------------------------------------------
@sales_router.get("/deals", response={200: DealPage, **errors()}, summary="Deals", tags=DEALS)
@permission("deals.view")
def deal_list(request: HttpRequest, filters: Query[DealFiltersIn]) -> dict[str, Any]:
    """Newest first, filtered by pipeline, stage, owner, customer, status, expected close date
    range and words of the title or the customer's name."""
    rows = selectors.deal_list(
        request.user,
        selectors.DealFilters(
            pipeline_id=filters.pipeline_id,
            stage_id=filters.stage_id,
            owner_id=filters.owner_id,
            customer_id=filters.customer_id,
            status=filters.status,
            close_from=filters.close_from,
            close_to=filters.close_to,
            q=filters.q,
        ),
    )
    items, next_cursor = paginate(request, rows, filters)
    return {"items": [deal_out(d) for d in items], "next_cursor": next_cursor}


@sales_router.post(
    "/deals", response={201: DealDetailOut, **errors(404)}, summary="Create a deal", tags=DEALS
)
@permission("deals.edit")
@_rule_errors
def deal_create(request: HttpRequest, payload: DealIn) -> Status:
    """In the first open stage of the pipeline; with ``stage_id``, then moved there under the
    pipeline's rules (a refused move creates nothing: 400 with the rule's message)."""
    customer = customer_for_user(request.user, payload.customer_id)
    if payload.pipeline_id is not None:
        pipeline = selectors.pipeline_for_user(request.user, payload.pipeline_id)
    else:
        pipeline = selectors.pipelines_for_user(request.user).first()  # type: ignore[assignment]
        if pipeline is None:
            raise ValidationError({"pipeline_id": [_("There is no pipeline yet.")]})
    deal = services.deal_create(
        actor=request.user,
        customer=customer,
        title=payload.title,
        pipeline=pipeline,
        stage=_stage(request, payload.stage_id) if payload.stage_id is not None else None,
        amount=payload.amount,
        currency=payload.currency,
        tax_inclusive=payload.tax_inclusive,
        expected_close=payload.expected_close,
        owner=_owner(payload.owner_id) if payload.owner_id is not None else request.user,
        competitors=payload.competitors,
        lines=_lines(payload.lines),
        source="api",
        via="api",
        lost_reason=_lost_reason(request, payload.lost_reason_id),
    )
    return Status(201, deal_detail_out(deal))


@sales_router.get(
    "/deals/{deal_id}", response={200: DealDetailOut, **errors(404)}, summary="A deal", tags=DEALS
)
@permission("deals.view")
def deal_read(request: HttpRequest, deal_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return deal_detail_out(selectors.deal_for_user(request.user, deal_id))


@sales_router.patch(
    "/deals/{deal_id}",
    response={200: DealDetailOut, **errors(404)},
    summary="Change a deal (not its stage: see move)",
    tags=DEALS,
)
@permission("deals.edit")
def deal_patch(
    request: HttpRequest, deal_id: Annotated[Id, Path()], payload: DealPatch
) -> dict[str, Any]:
    deal = selectors.deal_for_user(request.user, deal_id)
    given = payload.model_dump(exclude_unset=True)
    for name in ("title", "currency", "tax_inclusive", "competitors"):
        if name in given and given[name] is None:
            raise ValidationError({name: [_("This field cannot be emptied.")]})
    lines = given.pop("lines", None)
    if "owner_id" in given:
        given["owner"] = _owner(given.pop("owner_id"))
    deal = services.deal_update(
        actor=request.user,
        deal=deal,
        lines=_lines(payload.lines or []) if lines is not None else None,
        **given,
    )
    return deal_detail_out(deal)


@sales_router.post(
    "/deals/{deal_id}/move",
    response={200: DealDetailOut, **errors(404)},
    summary="Move a deal to another stage (the pipeline's rules apply)",
    tags=DEALS,
)
@permission("deals.edit")
@_rule_errors
def deal_move(
    request: HttpRequest, deal_id: Annotated[Id, Path()], payload: MoveIn
) -> dict[str, Any]:
    """A won or lost stage closes the deal (a lost stage needs ``lost_reason_id``); an open
    stage reopens it. 400 with code ``stage_rule`` names the missing field or the stage that
    must come first; nothing changed."""
    deal = selectors.deal_for_user(request.user, deal_id)
    moved = services.deal_move(
        actor=request.user,
        deal=deal,
        to_stage=_stage(request, payload.stage_id),
        via="api",
        after=payload.after_id,
        before=payload.before_id,
        position=payload.position,
        lost_reason=_lost_reason(request, payload.lost_reason_id),
        lost_note=payload.lost_note,
    )
    return deal_detail_out(moved)


@sales_router.get(
    "/deals/{deal_id}/stage-changes",
    response={200: StageChangeList, **errors(404)},
    summary="A deal's stage history, oldest first",
    tags=DEALS,
)
@permission("deals.view")
def stage_changes(request: HttpRequest, deal_id: Annotated[Id, Path()]) -> dict[str, Any]:
    deal = selectors.deal_for_user(request.user, deal_id)
    return {"items": selectors.stage_history(request.user, deal)}
