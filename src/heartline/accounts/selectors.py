"""Reads of staff data shared by pages and the API, each checked against the asking user."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from heartline.accounts.models import ApiToken, Team, User


def staff_list_for_user(user: Any) -> QuerySet[User]:
    if not user.has_perm("staff.view"):
        raise PermissionDenied("staff.view")
    return User.objects.select_related("team").order_by("username")


def team_list_for_user(user: Any) -> QuerySet[Team]:
    if not user.has_perm("staff.view"):
        raise PermissionDenied("staff.view")
    return Team.objects.select_related("manager").order_by("name")


def api_tokens_of_user(user: Any) -> QuerySet[ApiToken]:
    """A user's own tokens: every user sees only their own."""
    if not user.has_perm("apitokens.manage_own"):
        raise PermissionDenied("apitokens.manage_own")
    return ApiToken.objects.filter(user=user).order_by("-id")


def api_token_of_user(user: Any, token_id: int) -> ApiToken:
    token = api_tokens_of_user(user).filter(pk=token_id).first()
    if token is None:
        raise ApiToken.DoesNotExist(f"No token {token_id} of yours.")
    return token
