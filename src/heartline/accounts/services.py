"""Every write to staff accounts, teams and API tokens: one function per use case."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from heartline.accounts.events import ApiTokenCreated, ApiTokenRevoked, StaffChanged, StaffCreated
from heartline.accounts.models import ApiToken, Team, User
from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.core.permissions import Role

TOKEN_PREFIX = "hl_"  # noqa: S105 — a visible marker, not a secret
_STAFF_FIELDS = ("username", "email", "display_name", "role", "team_id", "language", "is_active")


def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


@transaction.atomic
def staff_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    role: str = Role.AGENT,
    email: str = "",
    display_name: str = "",
    team: Team | None = None,
    language: str = "en",
) -> User:
    """Create a staff account. ``actor=None`` means the system (set-up, demo data)."""
    _require(actor, "staff.manage")
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "This username is taken."})
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        role=role,
        team=team,
        language=language,
        is_staff=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=user,
        changes=audit.diff({}, audit.snapshot(user, _STAFF_FIELDS)),
    )
    publish(StaffCreated(user_id=user.pk))
    return user


@transaction.atomic
def staff_update(*, actor: Any, user: User, **fields: Any) -> User:
    """Change a staff account's profile fields, role, team or active flag."""
    _require(actor, "staff.manage")
    unknown = set(fields) - set(_STAFF_FIELDS) - {"team"}
    if unknown:
        raise ValidationError(f"Fields cannot be changed here: {', '.join(sorted(unknown))}")
    if "role" in fields and fields["role"] not in Role.values:
        raise ValidationError({"role": f"Unknown role {fields['role']!r}."})
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, _STAFF_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    user.is_staff = user.role == Role.ADMIN
    user.full_clean(exclude=["password"])
    changes = audit.diff(before, audit.snapshot(user, _STAFF_FIELDS))
    if not changes:
        return user
    user.save()
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=user, changes=changes)
    publish(StaffChanged(user_id=user.pk, fields=sorted(changes)))
    return user


@transaction.atomic
def team_create(
    *, actor: Any, name: str, description: str = "", manager: User | None = None
) -> Team:
    _require(actor, "staff.manage")
    team = Team(name=name.strip(), description=description, manager=manager)
    team.full_clean()
    team.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=team,
        changes=audit.diff({}, {"name": team.name, "manager": manager}),
    )
    return team


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it and the secret, which is never shown again."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("Tokens can only be created for oneself.")
    _require(actor, "apitokens.manage_own")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": "Give the token a name of 1 to 100 characters."})
    prefix = secrets.token_hex(4)
    key = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=_hash(key))
    audit.record(
        actor=actor or user,
        action=AuditEntry.Action.CREATE,
        obj=token,
        changes={"name": [None, name], "user": [None, user.pk]},
    )
    publish(ApiTokenCreated(user_id=user.pk, token_id=token.pk))
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id and not actor.has_perm("staff.manage"):
        raise PermissionDenied("Only the owner or an administrator may revoke this token.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=token,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )
    publish(ApiTokenRevoked(user_id=token.user_id, token_id=token.pk))
    return token


def api_token_authenticate(key: str) -> User | None:
    """The active user owning an active token ``key``, or None. Touches ``last_used_at``."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
