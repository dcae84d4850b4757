"""API of the leads: list, capture (idempotent by ``source_ref``), read, change, convert."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from heartline.core import audit
from heartline.core.api import CursorParams, Id, InSchema, PlainText, errors, paginate, permission
from heartline.core.models import AuditEntry
from heartline.customers.selectors import customer_for_user
from heartline.leads import scoring, services
from heartline.leads.capture import lead_capture
from heartline.leads.contact import ConsentDecision, LeadInput
from heartline.leads.conversion import lead_convert
from heartline.leads.models import Lead, LeadConsent
from heartline.leads.selectors import LeadFilters, filtered, lead_detail, lead_for_user
from heartline.sales.models import Pipeline, Stage

leads_router = Router(tags=["leads"])

Source = Literal["web_form", "chat", "import", "api", "manual", "campaign"]
Status_ = Literal["new", "working", "qualified", "converted", "disqualified"]
Purpose = Literal[
    "service",
    "marketing_email",
    "marketing_sms",
    "marketing_phone",
    "marketing_wechat",
    "analytics",
    "profiling",
]


T10 = Annotated[PlainText, Field(max_length=10)]
T32 = Annotated[PlainText, Field(max_length=32)]
T40 = Annotated[PlainText, Field(max_length=40)]
T64 = Annotated[PlainText, Field(max_length=64)]
T100 = Annotated[PlainText, Field(max_length=100)]
T128 = Annotated[PlainText, Field(max_length=128)]
T200 = Annotated[PlainText, Field(max_length=200)]
T254 = Annotated[PlainText, Field(max_length=254)]
T300 = Annotated[PlainText, Field(max_length=300)]
T4000 = Annotated[PlainText, Field(max_length=4000)]


class LeadConsentIn(InSchema):
    purpose: Purpose
    granted: bool
    evidence: T300 = ""


class LeadFieldsIn(InSchema):
    name_cjk: T100 | None = None
    name_latin: T200 | None = None
    name_pinyin: T200 | None = None
    organisation: T200 | None = None
    phone: T40 | None = None
    email: T254 | None = None
    handle: T128 | None = None
    handle_provider: T32 | None = None
    language: T10 | None = None
    territory: T64 | None = None
    message: T4000 | None = None


class LeadIn(LeadFieldsIn):
    """Only one way to reach the person is required: a phone, an e-mail or a handle."""

    name: T200 | None = None
    source: Source = "api"
    source_ref: T200 = Field(
        "", description="your id of this lead: sending it again returns the same lead (200)"
    )
    consents: Annotated[list[LeadConsentIn], Field(max_length=7)] = []
    owner_id: Id | None = None


class LeadPatch(LeadFieldsIn):
    status: Literal["new", "working", "qualified", "disqualified"] | None = None
    status_reason: T300 = ""
    owner_id: Id | None = None


class ReasonOut(Schema):
    kind: str
    value: str
    points: int
    label: str


class ConsentOut(Schema):
    purpose: str
    granted: bool
    source: str
    at: datetime.datetime
    transferred: bool


class LeadOut(Schema):
    id: int
    display_name: str
    name_cjk: str
    name_pinyin: str
    name_latin: str
    organisation: str
    phone: str
    email: str
    handle: str
    handle_provider: str
    language: str
    territory: str
    message: str
    source: str
    source_ref: str
    status: str
    status_reason: str
    score: int
    score_reasons: list[ReasonOut]
    owner_id: int | None
    team_id: int | None
    customer_id: int | None
    deal_id: int | None
    captures: int
    consents: list[ConsentOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    converted_at: datetime.datetime | None


class CaptureOut(LeadOut):
    outcome: str = Field(
        ...,
        description="created (201); added to an open lead with the same identifier, or "
        "repeat of a source_ref already sent (200)",
    )


class LeadSummaryOut(Schema):
    id: int
    display_name: str
    organisation: str
    status: str
    source: str
    score: int
    owner_id: int | None
    customer_id: int | None
    deal_id: int | None
    created_at: datetime.datetime


class LeadPage(Schema):
    items: list[LeadSummaryOut]
    next_cursor: str | None


class ConvertIn(InSchema):
    pipeline_id: Id
    stage_id: Id | None = None
    deal_title: T200 = ""
    amount: Annotated[str, Field(pattern=r"^\d{1,14}(\.\d{1,4})?$")] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    expected_close: datetime.date | None = None
    customer_id: Id | None = Field(None, description="join this existing customer")


class ConvertOut(Schema):
    lead: LeadOut
    customer_id: int
    deal_id: int
    customer_created: bool


def lead_out(lead: Lead) -> dict[str, Any]:
    consents = LeadConsent.objects.filter(lead=lead).order_by("id")
    return {
        **{f: getattr(lead, f) for f in LeadOut.model_fields if hasattr(lead, f)},
        "score_reasons": [{**r, "label": scoring.label(r)} for r in lead.score_reasons],
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "source": c.source,
                "at": c.at,
                "transferred": c.transferred_at is not None,
            }
            for c in consents
        ],
    }


def _owner(owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        raise ValidationError(
            {"owner_id": [_("No active staff member %(id)s.") % {"id": owner_id}]}
        )
    return owner


def _fields(payload: LeadFieldsIn) -> dict[str, Any]:
    return {
        name: getattr(payload, name)
        for name in LeadFieldsIn.model_fields
        if getattr(payload, name) is not None
    }


@leads_router.get("", response={200: LeadPage, **errors()}, summary="Leads, newest first")
@permission("leads.view")
def list_leads(
    request: HttpRequest,
    page: Query[CursorParams],
    status: Status_ | Literal["open"] | None = None,
    owner_id: Id | None = None,
    source: Source | None = None,
    min_score: Annotated[int, Field(ge=0, le=100)] | None = None,
    q: T100 | None = None,
) -> dict[str, Any]:
    filters = LeadFilters(
        status=status or "",
        owner_id=owner_id,
        source=source or "",
        min_score=min_score,
        q=q or "",
    )
    items, next_cursor = paginate(request, filtered(request.user, filters), page)
    if items:
        audit.record(
            actor=request.user,
            action=AuditEntry.Action.VIEW,
            object_type="leads.lead",
            object_label="lead list",
            changes={"fields": ["list"], "leads": [lead.pk for lead in items]},
        )
    return {"items": items, "next_cursor": next_cursor}


@leads_router.post(
    "",
    response={201: CaptureOut, 200: CaptureOut, **errors(409)},
    summary="Capture a lead (idempotent by source_ref)",
)
@permission("leads.manage")
def create(request: HttpRequest, payload: LeadIn) -> Status:
    data = LeadInput(
        name=payload.name or "",
        **{k: v or "" for k, v in _fields(payload).items()},
        consents=tuple(ConsentDecision(c.purpose, c.granted, c.evidence) for c in payload.consents),
    )
    result = lead_capture(
        actor=request.user,
        data=data,
        source=payload.source,
        source_ref=payload.source_ref,
        owner=_owner(payload.owner_id),
    )
    body = {**lead_out(result.lead), "outcome": result.outcome}
    return Status(201 if result.created else 200, body)


@leads_router.get("/{lead_id}", response={200: LeadOut, **errors(404)}, summary="A lead")
@permission("leads.view")
def read(request: HttpRequest, lead_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return lead_out(lead_detail(request.user, lead_id))


@leads_router.patch(
    "/{lead_id}",
    response={200: LeadOut, **errors(404, 409)},
    summary="Change a lead: details, status (disqualifying needs a reason), owner",
)
@permission("leads.manage")
def update(
    request: HttpRequest, lead_id: Annotated[Id, Path()], payload: LeadPatch
) -> dict[str, Any]:
    lead = lead_for_user(request.user, lead_id)
    with transaction.atomic():
        fields = _fields(payload)
        if fields:
            lead = services.lead_update(actor=request.user, lead=lead, **fields)
        if payload.status is not None:
            lead = services.lead_set_status(
                actor=request.user, lead=lead, status=payload.status, reason=payload.status_reason
            )
        if payload.owner_id is not None:
            lead = services.lead_assign(
                actor=request.user, lead=lead, owner=_owner(payload.owner_id)
            )
    return lead_out(Lead.objects.get(pk=lead.pk))


@leads_router.post(
    "/{lead_id}/convert",
    response={201: ConvertOut, **errors(404, 409)},
    summary="Qualify and convert a lead into a customer and a deal, in one step",
)
@permission("leads.manage")
def convert(request: HttpRequest, lead_id: Annotated[Id, Path()], payload: ConvertIn) -> Status:
    lead = lead_for_user(request.user, lead_id)
    pipeline = Pipeline.objects.filter(pk=payload.pipeline_id).first()
    if pipeline is None:
        raise ValidationError({"pipeline_id": [_("No such pipeline.")]})
    stage = None
    if payload.stage_id is not None:
        stage = Stage.objects.filter(pk=payload.stage_id, pipeline=pipeline).first()
        if stage is None:
            raise ValidationError({"stage_id": [_("No such stage in this pipeline.")]})
    customer = customer_for_user(request.user, payload.customer_id) if payload.customer_id else None
    done = lead_convert(
        actor=request.user,
        lead=lead,
        pipeline=pipeline,
        stage=stage,
        deal_title=payload.deal_title,
        amount=payload.amount,
        currency=payload.currency,
        expected_close=payload.expected_close,
        customer=customer,
    )
    body = {
        "lead": lead_out(done.lead),
        "customer_id": done.customer.pk,
        "deal_id": done.deal.pk,
        "customer_created": done.customer_created,
    }
    return Status(201, body)
