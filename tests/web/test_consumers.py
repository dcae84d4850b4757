"""The notifications websocket: who may connect, which groups, what is forwarded."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from heartline.asgi import application
from heartline.core import live
from heartline.core.models import OutboxEvent
from heartline.core.notifications import notification_create
from heartline.core.permissions import Role

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def session_cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def communicator(*headers: tuple[bytes, bytes]) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/notifications/", headers=list(headers))


def run(scenario: Any) -> Any:
    return async_to_sync(scenario)()


def test_anonymous_is_refused() -> None:
    async def scenario() -> tuple[bool, Any]:
        ws = communicator(ORIGIN)
        connected, code = await ws.connect()
        await ws.disconnect()
        return connected, code

    assert run(scenario) == (False, 4401)


def test_foreign_origin_is_refused(make_staff) -> None:  # type: ignore[no-untyped-def]
    cookie = session_cookie(make_staff(Role.AGENT, username="ann"))

    async def scenario() -> bool:
        ws = communicator((b"origin", b"http://evil.example"), cookie)
        connected, _code = await ws.connect()
        await ws.disconnect()
        return connected

    assert run(scenario) is False


def test_user_gets_own_notification_only(make_staff) -> None:  # type: ignore[no-untyped-def]
    ann = make_staff(Role.AGENT, username="ann")
    bob = make_staff(Role.AGENT, username="bob")
    ann_cookie, bob_cookie = session_cookie(ann), session_cookie(bob)

    async def scenario() -> tuple[list[Any], bool, bool]:
        ann_ws = communicator(ORIGIN, ann_cookie)
        bob_ws = communicator(ORIGIN, bob_cookie)
        assert (await ann_ws.connect())[0] is True
        assert (await bob_ws.connect())[0] is True
        # committed in its own transaction, then pushed by the relay every server runs
        await database_sync_to_async(notification_create)(recipient=ann, text="hello")
        # 3 rows: the two staff.created events of the fixture users, then the notification
        assert await database_sync_to_async(live.relay_pending)() == 3
        received = [await ann_ws.receive_json_from(timeout=2)]
        ann_more = not await ann_ws.receive_nothing(timeout=0.2)
        bob_any = not await bob_ws.receive_nothing(timeout=0.2)
        await ann_ws.disconnect()
        await bob_ws.disconnect()
        return received, ann_more, bob_any

    received, ann_more, bob_any = run(scenario)
    row = OutboxEvent.objects.get(type="notification.created")
    assert received == [{"event": "notification.created", "id": str(row.uuid)}]
    assert row.pushed_at is not None
    assert ann_more is False
    assert bob_any is False


def test_staff_group_only_with_staff_view(make_staff) -> None:  # type: ignore[no-untyped-def]
    manager = make_staff(Role.MANAGER, username="mia")
    agent = make_staff(Role.AGENT, username="al")
    layer = get_channel_layer()
    mia_cookie, al_cookie = session_cookie(manager), session_cookie(agent)

    async def scenario() -> tuple[Any, bool]:
        mia_ws = communicator(ORIGIN, mia_cookie)
        al_ws = communicator(ORIGIN, al_cookie)
        await mia_ws.connect()
        await al_ws.connect()
        await layer.group_send(
            "staff", {"type": "heartline.event", "event": "staff.created", "id": "e-1"}
        )
        got = await mia_ws.receive_json_from(timeout=2)
        agent_heard = not await al_ws.receive_nothing(timeout=0.2)
        await mia_ws.disconnect()
        await al_ws.disconnect()
        return got, agent_heard

    got, agent_heard = run(scenario)
    assert got == {"event": "staff.created", "id": "e-1"}
    assert agent_heard is False


def test_client_messages_are_ignored(make_staff) -> None:  # type: ignore[no-untyped-def]
    cookie = session_cookie(make_staff(Role.AGENT, username="cy"))

    async def scenario() -> bool:
        ws = communicator(ORIGIN, cookie)
        await ws.connect()
        await ws.send_json_to({"type": "heartline.event", "event": "x", "id": "y"})
        quiet = await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()
        return quiet

    assert run(scenario) is True
