"""Live nudges for the shell: id-only events, the page re-fetches what it shows.

Anonymous visitors are refused. A signed-in staff member joins ``user.<id>``, and the ``staff``
group only with ``staff.view`` (the same check as the staff page).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from heartline.accounts import twofactor

STAFF_GROUP = "staff"


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
        if not self.joined:
            await self.close(code=4403)
            return
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The socket is one-way; anything a client sends is ignored."""

    async def heartline_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": str(message["event"]), "id": str(message["id"])})
