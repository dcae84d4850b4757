"""API of the Customer Contact Repository: record interactions, read a timeline, the 360."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from heartline.core.api import (
    CursorParams,
    Id,
    InSchema,
    IsoDateTime,
    PlainText,
    errors,
    permission,
    sign_cursor,
    unsign_cursor,
)
from heartline.customers.selectors import customer_for_user
from heartline.timeline.models import Interaction
from heartline.timeline.selectors import customer_360, timeline_page
from heartline.timeline.services import interaction_record

interactions_router = Router(tags=["timeline"])
customer_timeline_router = Router(tags=["timeline"])

Channel = Literal[
    "phone", "chat", "email", "web", "store", "sms", "social", "campaign", "survey", "system"
]


class InteractionIn(InSchema):
    customer_id: Id
    channel: Channel
    direction: Literal["in", "out", "internal"]
    occurred_at: IsoDateTime | None = None
    summary: Annotated[PlainText, Field(max_length=4000)] = ""
    topic: Annotated[PlainText, Field(max_length=100)] = ""
    outcome: Annotated[PlainText, Field(max_length=200)] = ""
    follow_up: Annotated[PlainText, Field(max_length=300)] = ""
    follow_up_due: datetime.date | None = None
    closes_id: Id | None = None
    link_type: Annotated[PlainText, Field(max_length=32)] = ""
    link_id: Annotated[PlainText, Field(max_length=64)] = ""
    source: Annotated[PlainText, Field(max_length=64)] = ""
    source_ref: Annotated[PlainText, Field(max_length=200)] = ""


class _InteractionFields(Schema):
    id: int
    channel: str
    direction: str
    occurred_at: datetime.datetime
    topic: str
    summary: str
    outcome: str
    sentiment: float | None
    follow_up: str
    follow_up_due: datetime.date | None
    closes_id: int | None
    staff_id: int | None
    link_type: str
    link_id: str


class InteractionOut(_InteractionFields):
    customer_id: int
    source: str
    source_ref: str | None


class TimelineRowOut(_InteractionFields):
    staff__username: str | None
    staff__display_name: str | None


class TimelinePage(Schema):
    items: list[TimelineRowOut]
    next_cursor: str | None


@interactions_router.post(
    "",
    response={200: InteractionOut, 201: InteractionOut, **errors(404)},
    summary="Record an interaction (200 with the existing row on a repeated source_ref)",
)
@permission("interactions.record")
def record(request: HttpRequest, payload: InteractionIn) -> Status:
    customer = customer_for_user(request.user, payload.customer_id)
    closes = None
    if payload.closes_id is not None:
        closes = Interaction.objects.get(pk=payload.closes_id, customer=customer)
    row, created = interaction_record(
        actor=request.user,
        customer=customer,
        channel=payload.channel,
        direction=payload.direction,
        occurred_at=payload.occurred_at,
        summary=payload.summary,
        topic=payload.topic,
        outcome=payload.outcome,
        follow_up=payload.follow_up,
        follow_up_due=payload.follow_up_due,
        closes=closes,
        link_type=payload.link_type,
        link_id=payload.link_id,
        source=payload.source,
        source_ref=payload.source_ref,
    )
    return Status(201 if created else 200, row)


@customer_timeline_router.get(
    "/{customer_id}/timeline",
    response={200: TimelinePage, **errors(404)},
    summary="A customer's timeline, newest first",
)
@permission("customers.view")
def timeline(
    request: HttpRequest, customer_id: Annotated[Id, Path()], page: Query[CursorParams]
) -> dict[str, Any]:
    customer = customer_for_user(request.user, customer_id)
    before = None
    if page.cursor:
        value = unsign_cursor(request, page.cursor)
        at = parse_datetime(value[0]) if isinstance(value, list) and len(value) == 2 else None
        if at is None or not isinstance(value[1], int):
            raise HttpError(400, _("The cursor is not valid."))
        before = (at, value[1])
    rows = timeline_page(request.user, customer.pk, before=before, limit=page.limit + 1)
    next_cursor = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        last = rows[-1]
        next_cursor = sign_cursor(request, [last["occurred_at"].isoformat(), last["id"]])
    return {"items": rows, "next_cursor": next_cursor}


@customer_timeline_router.get(
    "/{customer_id}/360",
    response={200: dict[str, Any], **errors(404)},
    summary="The customer 360: profile, identities, moments, notes, consent, last time, timeline",
)
@permission("customers.view")
def c360(request: HttpRequest, customer_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return customer_360(request.user, customer_id)
