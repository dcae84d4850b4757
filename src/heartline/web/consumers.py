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
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from heartline.accounts import twofactor
from heartline.customers.models import Customer
from heartline.customers.selectors import customer_for_user

STAFF_GROUP = "staff"
CUSTOMER_PREFIX = "customer."
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
        self.customers: set[int] = set()
        self.refusals = 0
        if not self.joined:
            await self.close(code=4403)
            return
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        groups = [*getattr(self, "joined", []), *map(_group, getattr(self, "customers", ()))]
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
        """Subscriptions to customers; anything else a client sends is ignored."""
        if not isinstance(content, dict) or content.get("type") not in ("subscribe", "unsubscribe"):
            return
        customer_id = content.get("customer_id")
        if type(customer_id) is not int or not 0 < customer_id <= MAX_ID:
            await self._refuse(None, "bad_request")
        elif content["type"] == "unsubscribe":
            if customer_id in self.customers:
                self.customers.discard(customer_id)
                await self.channel_layer.group_discard(_group(customer_id), self.channel_name)
            await self.send_json({"type": "unsubscribed", "customer_id": customer_id})
        elif customer_id in self.customers:
            await self.send_json({"type": "subscribed", "customer_id": customer_id})
        elif len(self.customers) >= MAX_SUBSCRIPTIONS:
            await self._refuse(customer_id, "limit")
        elif not await database_sync_to_async(may_follow)(self.scope["user"].pk, customer_id):
            await self._refuse(customer_id, "forbidden")
        else:
            self.customers.add(customer_id)
            await self.channel_layer.group_add(_group(customer_id), self.channel_name)
            await self.send_json({"type": "subscribed", "customer_id": customer_id})

    async def _refuse(self, customer_id: int | None, reason: str) -> None:
        self.refusals += 1
        await self.send_json({"type": "refused", "customer_id": customer_id, "reason": reason})
        if self.refusals >= MAX_REFUSALS:
            await self.close(code=CLOSE_TOO_MANY_REFUSALS)

    async def heartline_event(self, message: dict[str, Any]) -> None:
        event, event_id = str(message["event"]), str(message["id"])
        group = str(message.get("group", ""))
        if group.startswith(CUSTOMER_PREFIX):
            customer_id = _customer_of(group)
            if customer_id in self.customers:  # not one just unsubscribed, still in flight
                await self.send_json({"type": event, "id": event_id, "customer_id": customer_id})
            return
        await self.send_json({"event": event, "id": event_id})


def _group(customer_id: int) -> str:
    return f"{CUSTOMER_PREFIX}{customer_id}"


def _customer_of(group: str) -> int | None:
    suffix = group.removeprefix(CUSTOMER_PREFIX)
    return int(suffix) if suffix.isdigit() else None
