"""API routers of core records: the audit trail and one's own notifications."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

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
from heartline.core.notifications import notification_mark_read
from heartline.core.selectors import audit_entries_for_user, notifications_of_user

audit_router = Router(tags=["audit"])
notifications_router = Router(tags=["notifications"])

AuditAction = Literal[
    "create", "update", "delete", "view", "login", "logout", "login_failed"
]  # AuditEntry.Action values; a test keeps them equal


class AuditEntryOut(Schema):
    id: int
    at: datetime.datetime
    actor_id: int | None
    actor_label: str
    channel: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    changes: dict[str, Any]
    request_id: str
    ip: str


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_cursor: str | None


class AuditFilters(CursorParams):
    actor: Annotated[PlainText, Field(max_length=150)] | None = Field(
        None, description="username of the actor"
    )
    object_type: Annotated[PlainText, Field(max_length=64)] | None = Field(
        None, description="e.g. accounts.user"
    )
    object_id: Annotated[PlainText, Field(max_length=64)] | None = None
    action: AuditAction | None = None
    since: IsoDateTime | None = Field(None, description="at or after (ISO 8601 with offset)")
    until: IsoDateTime | None = Field(None, description="before (ISO 8601 with offset)")


@audit_router.get("", response={200: AuditPage, **errors()}, summary="Read the audit trail")
@permission("audit.view")
def audit_list(request: HttpRequest, filters: Query[AuditFilters]) -> dict[str, Any]:
    entries = audit_entries_for_user(
        request.user,
        actor_username=filters.actor,
        object_type=filters.object_type,
        object_id=filters.object_id,
        action=filters.action,
        since=filters.since,
        until=filters.until,
    )
    items, next_cursor = paginate(request, entries, filters)
    return {"items": items, "next_cursor": next_cursor}


class NotificationOut(Schema):
    id: int
    created_at: datetime.datetime
    text: str
    link: str
    read_at: datetime.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class NotificationFilters(CursorParams):
    unread: bool = Field(False, description="only notifications not yet read")


class MarkReadIn(InSchema):
    ids: list[Id] = Field(..., max_length=200, description="ids of your notifications")


class MarkReadOut(Schema):
    marked: int


@notifications_router.get(
    "", response={200: NotificationPage, **errors()}, summary="List your notifications"
)
@permission("notifications.view")
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, Any]:
    notes = notifications_of_user(request.user, unread_only=filters.unread)
    items, next_cursor = paginate(request, notes, filters)
    return {"items": items, "next_cursor": next_cursor}


@notifications_router.post(
    "/read", response={200: MarkReadOut, **errors()}, summary="Mark notifications read"
)
@permission("notifications.view")
def notification_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, int]:
    return {"marked": notification_mark_read(recipient=request.user, ids=list(payload.ids))}
