"""API of activities: list one's own (with filters), plan, read, change, complete, cancel."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic.json_schema import SkipJsonSchema

from heartline.activities import services
from heartline.activities.models import Activity
from heartline.activities.selectors import activity_for_user, activity_list
from heartline.core.api import (
    CursorParams,
    Id,
    InSchema,
    IsoDateTime,
    PlainText,
    errors,
    paginate,
    permission,
)
from heartline.customers.selectors import customer_for_user
from heartline.sales.models import Deal

activities_router = Router(tags=["activities"])

Kind = Literal["call", "meeting", "email", "task", "reminder"]
StatusName = Literal["planned", "done", "cancelled"]
Minutes = Annotated[int, Field(ge=0, le=services.MAX_REMIND_MINUTES)]
Length = Annotated[int, Field(ge=1, le=7 * 24 * 60)]


class ActivityFields(InSchema):
    notes: Annotated[PlainText, Field(max_length=4000)] = ""
    all_day: bool = False
    duration_minutes: Length | None = Field(None, description="length of a call or meeting")
    location: Annotated[PlainText, Field(max_length=200)] = ""
    priority: Literal[0, 1, 2] = Field(1, description="0 low, 1 normal, 2 high")
    owner_id: Id | None = Field(None, description="default: you; another needs staff.view")
    customer_id: Id | None = None
    deal_id: Id | None = Field(None, description="the deal's customer is used when none given")
    link_type: Annotated[PlainText, Field(max_length=32)] = ""
    link_id: Annotated[PlainText, Field(max_length=64)] = ""
    remind_minutes_before: Minutes | None = None


class ActivityIn(ActivityFields):
    kind: Kind
    subject: Annotated[PlainText, Field(min_length=1, max_length=200)]
    due_at: IsoDateTime = Field(..., description="start of a call or meeting, due time of a task")


class ActivityPatch(InSchema):
    """Only the fields sent change; customer_id, deal_id, duration_minutes and
    remind_minutes_before may be null (unlink, no end, no reminder)."""

    kind: Kind | SkipJsonSchema[None] = None
    subject: Annotated[PlainText, Field(min_length=1, max_length=200)] | SkipJsonSchema[None] = None
    notes: Annotated[PlainText, Field(max_length=4000)] | SkipJsonSchema[None] = None
    due_at: IsoDateTime | SkipJsonSchema[None] = None
    all_day: bool | SkipJsonSchema[None] = None
    duration_minutes: Length | None = None
    location: Annotated[PlainText, Field(max_length=200)] | SkipJsonSchema[None] = None
    priority: Literal[0, 1, 2] | SkipJsonSchema[None] = None
    owner_id: Id | SkipJsonSchema[None] = None
    customer_id: Id | None = None
    deal_id: Id | None = None
    link_type: Annotated[PlainText, Field(max_length=32)] | SkipJsonSchema[None] = None
    link_id: Annotated[PlainText, Field(max_length=64)] | SkipJsonSchema[None] = None
    remind_minutes_before: Minutes | None = None


NOT_NULL = frozenset(
    {"kind", "subject", "notes", "due_at", "all_day", "location", "priority", "owner_id"}
    | {"link_type", "link_id"}
)


class CompleteIn(InSchema):
    outcome: Annotated[PlainText, Field(max_length=200)] = ""
    completed_at: IsoDateTime | None = None
    follow_up: Annotated[PlainText, Field(max_length=300)] = ""
    follow_up_due: datetime.date | None = None


class CancelIn(InSchema):
    reason: Annotated[PlainText, Field(max_length=200)] = ""


class ActivityOut(Schema):
    id: int
    uid: str
    kind: str
    subject: str
    notes: str
    due_at: datetime.datetime
    all_day: bool
    end_at: datetime.datetime | None
    location: str
    priority: int
    owner_id: int
    created_by_id: int | None
    customer_id: int | None
    deal_id: int | None
    link_type: str
    link_id: str
    status: str
    outcome: str
    completed_at: datetime.datetime | None
    follow_up_of_id: int | None
    remind_minutes_before: int | None
    remind_at: datetime.datetime | None
    reminder_sent_at: datetime.datetime | None
    sequence: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityFilters(CursorParams):
    status: StatusName | None = None
    kind: Kind | None = None
    owner_id: Id | None = Field(None, description="default: you")
    customer_id: Id | None = None
    deal_id: Id | None = None
    due_from: IsoDateTime | None = None
    due_to: IsoDateTime | None = None


def activity_out(activity: Activity) -> dict[str, Any]:
    data = {name: getattr(activity, name) for name in ActivityOut.model_fields if name != "uid"}
    return {**data, "uid": str(activity.uid)}


def _resolve(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Ids to objects, each through the reading user's permission (404 when not visible)."""
    fields: dict[str, Any] = {}
    for name, value in data.items():
        if name == "owner_id":
            fields["owner"] = (
                None if value is None else get_user_model().objects.get(pk=value, is_active=True)
            )
        elif name == "customer_id":
            fields["customer"] = None if value is None else customer_for_user(request.user, value)
        elif name == "deal_id":
            if value is not None and not request.user.has_perm("deals.view"):
                raise Deal.DoesNotExist
            fields["deal"] = None if value is None else Deal.objects.get(pk=value)
        elif name != "duration_minutes":
            fields[name] = value
    return fields


def _with_length(fields: dict[str, Any], minutes: int | None, due_at: Any) -> dict[str, Any]:
    if minutes is not None and isinstance(due_at, datetime.datetime):
        fields["end_at"] = due_at + datetime.timedelta(minutes=minutes)
    return fields


@activities_router.get(
    "", response={200: ActivityPage, **errors()}, summary="My activities (or a colleague's)"
)
@permission("activities.manage")
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> dict[str, Any]:
    rows = activity_list(
        request.user,
        owner_id=filters.owner_id,
        status=filters.status,
        kind=filters.kind,
        customer_id=filters.customer_id,
        deal_id=filters.deal_id,
        due_from=filters.due_from,
        due_to=filters.due_to,
    )
    items, next_cursor = paginate(request, rows, filters)
    return {"items": [activity_out(a) for a in items], "next_cursor": next_cursor}


@activities_router.post("", response={201: ActivityOut, **errors(404)}, summary="Plan an activity")
@permission("activities.manage")
def create(request: HttpRequest, payload: ActivityIn) -> Status:
    data = payload.model_dump()
    fields = _with_length(_resolve(request, data), data["duration_minutes"], data["due_at"])
    if fields.get("owner") is None:
        fields.pop("owner", None)
    activity = services.activity_create(actor=request.user, **fields)
    return Status(201, activity_out(activity))


@activities_router.get(
    "/{activity_id}", response={200: ActivityOut, **errors(404)}, summary="An activity"
)
@permission("activities.manage")
def read(request: HttpRequest, activity_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return activity_out(activity_for_user(request.user, activity_id))


@activities_router.patch(
    "/{activity_id}",
    response={200: ActivityOut, **errors(404, 409)},
    summary="Change a planned activity (only the fields sent)",
)
@permission("activities.manage")
def update(
    request: HttpRequest, activity_id: Annotated[Id, Path()], payload: ActivityPatch
) -> dict[str, Any]:
    activity = activity_for_user(request.user, activity_id)
    data = payload.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in data and data[name] is None:
            raise ValidationError({name: [_("This field cannot be null.")]})
    fields = _resolve(request, data)
    due_at = data.get("due_at", activity.due_at)
    if "duration_minutes" in data:
        fields["end_at"] = None
        _with_length(fields, data["duration_minutes"], due_at)
    elif "due_at" in data and activity.end_at is not None:
        fields["end_at"] = due_at + (activity.end_at - activity.due_at)
    return activity_out(services.activity_update(actor=request.user, activity=activity, **fields))


@activities_router.post(
    "/{activity_id}/complete",
    response={200: ActivityOut, **errors(404, 409)},
    summary="Mark done with its outcome (a call or meeting with a customer lands on the timeline)",
)
@permission("activities.manage")
def complete(
    request: HttpRequest, activity_id: Annotated[Id, Path()], payload: CompleteIn
) -> dict[str, Any]:
    activity = activity_for_user(request.user, activity_id)
    done = services.activity_complete(actor=request.user, activity=activity, **payload.model_dump())
    return activity_out(done)


@activities_router.post(
    "/{activity_id}/cancel",
    response={200: ActivityOut, **errors(404, 409)},
    summary="Call a planned activity off",
)
@permission("activities.manage")
def cancel(
    request: HttpRequest, activity_id: Annotated[Id, Path()], payload: CancelIn
) -> dict[str, Any]:
    activity = activity_for_user(request.user, activity_id)
    return activity_out(
        services.activity_cancel(actor=request.user, activity=activity, reason=payload.reason)
    )
