"""API routers of staff accounts: one's own profile, the staff directory, one's API tokens."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from heartline.accounts.models import ApiToken
from heartline.accounts.selectors import api_token_of_user, api_tokens_of_user, staff_list_for_user
from heartline.accounts.services import api_token_create, api_token_revoke
from heartline.core.api import (
    SIGNED_IN,
    CursorParams,
    Id,
    InSchema,
    PlainText,
    errors,
    paginate,
    permission,
)
from heartline.core.permissions import PERMISSIONS

me_router = Router(tags=["me"])
staff_router = Router(tags=["staff"])
tokens_router = Router(tags=["tokens"])


class TeamRef(Schema):
    id: int
    name: str


class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    language: str
    is_active: bool
    team: TeamRef | None


class MeOut(StaffOut):
    permissions: list[str]


class StaffPage(Schema):
    items: list[StaffOut]
    next_cursor: str | None


@me_router.get("", response={200: MeOut, **errors()}, summary="Your profile and permissions")
@permission(SIGNED_IN)
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    return {
        **StaffOut.from_orm(user).model_dump(),
        "permissions": sorted(code for code in PERMISSIONS if user.has_perm(code)),
    }


@staff_router.get("", response={200: StaffPage, **errors()}, summary="List staff")
@permission("staff.view")
def staff_list(request: HttpRequest, page: Query[CursorParams]) -> dict[str, Any]:
    items, next_cursor = paginate(request, staff_list_for_user(request.user), page)
    return {"items": items, "next_cursor": next_cursor}


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The secret. Shown only in this answer; store it now.")


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


class TokenIn(InSchema):
    name: Annotated[PlainText, Field(min_length=1, max_length=100)]


@tokens_router.get("", response={200: TokenPage, **errors()}, summary="List your API tokens")
@permission("apitokens.manage_own")
def token_list(request: HttpRequest, page: Query[CursorParams]) -> dict[str, Any]:
    items, next_cursor = paginate(request, api_tokens_of_user(request.user), page)
    return {"items": items, "next_cursor": next_cursor}


@tokens_router.post("", response={201: TokenCreatedOut, **errors()}, summary="Create an API token")
@permission("apitokens.manage_own")
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    user: Any = request.user
    token, secret = api_token_create(actor=user, user=user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).model_dump(), "token": secret})


@tokens_router.delete(
    "/{token_id}", response={204: None, **errors(404)}, summary="Revoke one of your tokens"
)
@permission("apitokens.manage_own")
def token_revoke(request: HttpRequest, token_id: Annotated[Id, Path()]) -> Status:
    token: ApiToken = api_token_of_user(request.user, token_id)
    api_token_revoke(actor=request.user, token=token)
    return Status(204, None)
