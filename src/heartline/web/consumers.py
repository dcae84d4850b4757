"""Live nudges for the shell: id-only events, the page re-fetches what it shows.

Anonymous visitors are refused. A signed-in staff member joins ``user.<id>``, and the ``staff``
group only with ``staff.view`` (the same check as the staff page).

A page showing a customer sends ``{"type": "subscribe", "customer_id": n}``. The socket joins
``customer.<n>`` only when the user may see that customer now — the selector the desk uses,
on a fresh copy of the user, so a role changed or an account deactivated since the socket
opened counts — and at most :data:`MAX_SUBSCRIPTIONS` customers per connection. It answers
``{"type": "subscribed" | "refused", "customer_id": n, ...}``; after :data:`MAX_REFUSALS`
refusals it closes. What a customer group then hears is ``{"type": <event type>, "id":
<event id>, "customer_id": n}``: ids only, never personal data.

The deal board follows its pipeline the same way, with ``"pipeline_id": n`` in place of
``"customer_id"`` (group ``pipeline.<n>``, the board's own check: ``deals.view``); every
answer and event then names ``pipeline_id``. :data:`FOLLOWABLE` lists what a page may follow.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from heartline.accounts import twofactor
from heartline.customers.models import Customer
from heartline.customers.selectors import customer_for_user
from heartline.sales.models import Pipeline
from heartline.sales.selectors import pipeline_for_user

STAFF_GROUP = "staff"
CUSTOMER_PREFIX = "customer."
PIPELINE_PREFIX = "pipeline."
MAX_SUBSCRIPTIONS = 20
MAX_REFUSALS = 20
MAX_FRAME = 1000  # characters; a subscription is about 40
MAX_ID = 2**63 - 1
CLOSE_TOO_MANY_REFUSALS = 4429


def _groups_for(user: Any) -> list[str]:
    """The groups a user may hear; none for a 2FA user whose session skipped the code."""
    if not user.is_authenticated or not user.has_perm(NotificationsConsumer.required_permission):
        return []
    groups = [f"user.{user.pk}"]
    if user.has_perm("staff.view"):
        groups.append(STAFF_GROUP)
    return groups


def _needs_code(scope: dict[str, Any]) -> bool:
    session = scope.get("session")
    if session is not None and session.get("heartline_2fa") == "none":
        return False
    if session is not None and session.get("otp_device_id"):
        return False
    return twofactor.totp_device_confirmed(scope["user"]) is not None


def may_follow(user_id: int, customer_id: int) -> bool:
    """Whether the user may hear about ``customer_id``: the desk's own check (the customer is
    live and the user has ``customers.view``), on the user as the database has them now."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    try:
        customer_for_user(user, customer_id)
    except (PermissionDenied, Customer.DoesNotExist):
        return False
    return True


def may_follow_pipeline(user_id: int, pipeline_id: int) -> bool:
    """Whether the user may hear about the board of ``pipeline_id`` (the board's own check)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    try:
        pipeline_for_user(user, pipeline_id)
    except (PermissionDenied, Pipeline.DoesNotExist):
        return False
    return True


# What a page may follow: the key of the id in its message -> (group prefix, permission check).
FOLLOWABLE: dict[str, tuple[str, Callable[[int, int], bool]]] = {
    "customer_id": (CUSTOMER_PREFIX, may_follow),
    "pipeline_id": (PIPELINE_PREFIX, may_follow_pipeline),
}


class NotificationsConsumer(AsyncJsonWebsocketConsumer):
    required_permission = "notifications.view"  # read by the permission-matrix test

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if await database_sync_to_async(_needs_code)(self.scope):
            await self.close(code=4401)
            return
        self.joined = await database_sync_to_async(_groups_for)(user)
        self.following: set[str] = set()  # groups joined by subscription
        self.refusals = 0
        if not self.joined:
            await self.close(code=4403)
            return
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        groups = [*getattr(self, "joined", []), *getattr(self, "following", ())]
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: Any = None, **kw: Any
    ) -> None:
        """Text frames of JSON only; anything else (binary, oversized, malformed) is ignored."""
        if text_data is None or len(text_data) > MAX_FRAME:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Subscriptions to customers and pipelines; anything else a client sends is ignored."""
        if not isinstance(content, dict) or content.get("type") not in ("subscribe", "unsubscribe"):
            return
        key = "pipeline_id" if "pipeline_id" in content else "customer_id"
        prefix, allowed = FOLLOWABLE[key]
        object_id = content.get(key)
        if type(object_id) is not int or not 0 < object_id <= MAX_ID:
            await self._refuse(key, None, "bad_request")
            return
        group = f"{prefix}{object_id}"
        if content["type"] == "unsubscribe":
            if group in self.following:
                self.following.discard(group)
                await self.channel_layer.group_discard(group, self.channel_name)
            await self.send_json({"type": "unsubscribed", key: object_id})
        elif group in self.following:
            await self.send_json({"type": "subscribed", key: object_id})
        elif len(self.following) >= MAX_SUBSCRIPTIONS:
            await self._refuse(key, object_id, "limit")
        elif not await database_sync_to_async(allowed)(self.scope["user"].pk, object_id):
            await self._refuse(key, object_id, "forbidden")
        else:
            self.following.add(group)
            await self.channel_layer.group_add(group, self.channel_name)
            await self.send_json({"type": "subscribed", key: object_id})

    async def _refuse(self, key: str, object_id: int | None, reason: str) -> None:
        self.refusals += 1
        await self.send_json({"type": "refused", key: object_id, "reason": reason})
        if self.refusals >= MAX_REFUSALS:
            await self.close(code=CLOSE_TOO_MANY_REFUSALS)

    async def heartline_event(self, message: dict[str, Any]) -> None:
        event, event_id = str(message["event"]), str(message["id"])
        group = str(message.get("group", ""))
        for key, (prefix, _check) in FOLLOWABLE.items():
            if group.startswith(prefix):
                suffix = group.removeprefix(prefix)
                # not a group just unsubscribed, its event still in flight
                if group in self.following and suffix.isdigit():
                    await self.send_json({"type": event, "id": event_id, key: int(suffix)})
                return
        await self.send_json({"event": event, "id": event_id})
