"""Live updates of an open customer page: the socket joins ``customer.<id>`` only after the
desk's permission check, at most a few per connection; the relay's id-only event reaches it;
the page's re-fetch (``/customers/<id>/live/``) answers the changed sections out of band."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from heartline.accounts.models import User
from heartline.core import live
from heartline.core.models import AuditEntry, OutboxEvent
from heartline.core.permissions import Role
from heartline.customers import services
from heartline.customers.merge import customer_merge
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput
from heartline.timeline.services import interaction_record
from heartline.web import consumers
from tests.web.test_consumers import ORIGIN, communicator, run, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
SECRET_SUMMARY = "Wants a refund to card 6222 0000 1111"


def _customer(phone: str, **profile: Any) -> Customer:
    return services.customer_create(
        actor=None, identities_in=[IdentityInput("phone", phone)], **profile
    )


def _record(actor: User, customer: Customer) -> int:
    row, _created = interaction_record(
        actor=actor,
        customer=customer,
        channel="phone",
        direction="in",
        topic="Refund",
        summary=SECRET_SUMMARY,
    )
    return row.pk


def _event_uuid(event_type: str, customer_id: int) -> str:
    row = OutboxEvent.objects.filter(type=event_type, payload__customer_id=customer_id).get()
    return str(row.uuid)


async def _subscribe(ws: Any, customer_id: Any) -> dict[str, Any]:
    await ws.send_json_to({"type": "subscribe", "customer_id": customer_id})
    answer: dict[str, Any] = await ws.receive_json_from(timeout=2)
    return answer


def _members(group: str) -> int:
    return len(get_channel_layer().groups.get(group, {}))


def test_subscribe_is_refused_without_customers_view_and_nothing_is_heard(make_staff) -> None:  # type: ignore[no-untyped-def]
    analyst = make_staff(Role.ANALYST, username="ana")  # notifications, but no customers.view
    agent = make_staff(Role.AGENT, username="al")
    wang = _customer("13900000001", name_cjk="王芳")
    cookie = session_cookie(analyst)

    async def scenario() -> tuple[dict[str, Any], int, bool]:
        ws = communicator(ORIGIN, cookie)
        assert (await ws.connect())[0] is True
        answer = await _subscribe(ws, wang.pk)
        members = _members(f"customer.{wang.pk}")
        await database_sync_to_async(_record)(agent, wang)
        await database_sync_to_async(live.relay_pending)()
        quiet = await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()
        return answer, members, quiet

    answer, members, quiet = run(scenario)
    assert answer == {"type": "refused", "customer_id": wang.pk, "reason": "forbidden"}
    assert members == 0
    assert quiet is True


def test_a_recorded_interaction_reaches_the_subscribed_page_as_ids_only(make_staff) -> None:  # type: ignore[no-untyped-def]
    ann = make_staff(Role.AGENT, username="ann")
    bob = make_staff(Role.AGENT, username="bob")
    wang = _customer("13900000001", name_cjk="王芳")
    li = _customer("13900000002", name_cjk="李娜")
    ann_cookie, bob_cookie = session_cookie(ann), session_cookie(bob)

    async def scenario() -> tuple[list[Any], list[str], bool]:
        ann_ws = communicator(ORIGIN, ann_cookie)
        bob_ws = communicator(ORIGIN, bob_cookie)
        assert (await ann_ws.connect())[0] is True
        assert (await bob_ws.connect())[0] is True
        answers = [await _subscribe(ann_ws, wang.pk), await _subscribe(bob_ws, li.pk)]
        # Bob records a contact with Wang, from another page, the API or a task
        await database_sync_to_async(_record)(bob, wang)
        await database_sync_to_async(live.relay_pending)()
        raw = [await ann_ws.receive_from(timeout=2)]
        bob_quiet = await bob_ws.receive_nothing(timeout=0.3)
        # a note on Wang arrives the same way
        await database_sync_to_async(services.note_add)(actor=bob, customer=wang, text="VIP")
        await database_sync_to_async(live.relay_pending)()
        raw.append(await ann_ws.receive_from(timeout=2))
        await ann_ws.disconnect()
        await bob_ws.disconnect()
        return answers, raw, bob_quiet

    answers, raw, bob_quiet = run(scenario)
    assert answers == [
        {"type": "subscribed", "customer_id": wang.pk},
        {"type": "subscribed", "customer_id": li.pk},
    ]
    assert [json.loads(frame) for frame in raw] == [
        {
            "type": "interaction.recorded",
            "id": _event_uuid("interaction.recorded", wang.pk),
            "customer_id": wang.pk,
        },
        {
            "type": "customer.changed",
            "id": _event_uuid("customer.changed", wang.pk),
            "customer_id": wang.pk,
        },
    ]
    for frame in raw:  # no personal data on the wire
        for secret in (SECRET_SUMMARY, "Refund", "王芳", "VIP", "13900000001", '"phone"'):
            assert secret not in frame
    assert bob_quiet is True


def test_a_merge_reaches_the_pages_of_both_customers(make_staff) -> None:  # type: ignore[no-untyped-def]
    manager = make_staff(Role.MANAGER, username="mia")
    agent = make_staff(Role.AGENT, username="al")
    survivor = _customer("13900000001", name_cjk="王芳")
    duplicate = _customer("13900000002", name_cjk="王芳")
    cookie = session_cookie(agent)

    async def scenario() -> list[dict[str, Any]]:
        ws = communicator(ORIGIN, cookie)
        assert (await ws.connect())[0] is True
        await _subscribe(ws, survivor.pk)
        await _subscribe(ws, duplicate.pk)
        await database_sync_to_async(customer_merge)(
            actor=manager, survivor=survivor, duplicate=duplicate
        )
        await database_sync_to_async(live.relay_pending)()
        got = [await ws.receive_json_from(timeout=2) for _ in range(2)]
        await ws.disconnect()
        return got

    got = run(scenario)
    assert sorted((g["type"], g["customer_id"]) for g in got) == [
        ("customer.changed", survivor.pk),
        ("customer.changed", duplicate.pk),
    ]


def test_subscriptions_are_capped_per_connection(make_staff, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(consumers, "MAX_SUBSCRIPTIONS", 2)
    cookie = session_cookie(make_staff(Role.AGENT, username="cy"))
    ids = [_customer(f"1390000000{n}").pk for n in (1, 2, 3)]

    async def scenario() -> tuple[list[dict[str, Any]], list[int]]:
        ws = communicator(ORIGIN, cookie)
        await ws.connect()
        answers = [await _subscribe(ws, cid) for cid in (*ids, ids[0])]
        members = [_members(f"customer.{cid}") for cid in ids]
        await ws.send_json_to({"type": "unsubscribe", "customer_id": ids[0]})
        answers.append(await ws.receive_json_from(timeout=2))
        answers.append(await _subscribe(ws, ids[2]))  # room again
        await ws.disconnect()
        return answers, members

    answers, members = run(scenario)
    assert answers == [
        {"type": "subscribed", "customer_id": ids[0]},
        {"type": "subscribed", "customer_id": ids[1]},
        {"type": "refused", "customer_id": ids[2], "reason": "limit"},
        {"type": "subscribed", "customer_id": ids[0]},  # already: not counted twice
        {"type": "unsubscribed", "customer_id": ids[0]},
        {"type": "subscribed", "customer_id": ids[2]},
    ]
    assert members == [1, 1, 0]


def test_bad_subscriptions_are_refused_and_too_many_refusals_close(make_staff, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(consumers, "MAX_REFUSALS", 6)
    agent = make_staff(Role.AGENT, username="dee")
    cookie = session_cookie(agent)
    merged_away = _customer("13900000001", name_cjk="王芳")
    customer_merge(actor=None, survivor=_customer("13900000002"), duplicate=merged_away)

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        ws = communicator(ORIGIN, cookie)
        await ws.connect()
        await ws.send_to(text_data="not json")  # ignored, as is a binary frame
        await ws.send_to(bytes_data=b"\x00")
        await ws.send_json_to({"type": "hello"})
        answers = [
            await _subscribe(ws, value)
            for value in (str(merged_away.pk), True, -1, 2**70, None, merged_away.pk)
        ]
        closed = await ws.receive_output(timeout=2)
        return answers, closed

    answers, closed = run(scenario)
    bad = {"type": "refused", "customer_id": None, "reason": "bad_request"}
    assert answers == [
        bad,
        bad,
        bad,
        bad,
        bad,
        {"type": "refused", "customer_id": merged_away.pk, "reason": "forbidden"},
    ]
    assert closed == {"type": "websocket.close", "code": 4429}


def test_a_user_deactivated_after_connecting_cannot_subscribe(make_staff) -> None:  # type: ignore[no-untyped-def]
    agent = make_staff(Role.AGENT, username="eve")
    wang = _customer("13900000001")
    cookie = session_cookie(agent)

    async def scenario() -> dict[str, Any]:
        ws = communicator(ORIGIN, cookie)
        assert (await ws.connect())[0] is True
        await database_sync_to_async(User.objects.filter(pk=agent.pk).update)(is_active=False)
        answer = await _subscribe(ws, wang.pk)
        await ws.disconnect()
        return answer

    assert run(scenario) == {"type": "refused", "customer_id": wang.pk, "reason": "forbidden"}


# --- the page's re-fetch ---------------------------------------------------------------------


def test_the_live_refetch_answers_the_changed_sections_out_of_band(make_staff, client_for) -> None:  # type: ignore[no-untyped-def]
    agent = make_staff(Role.AGENT, username="fay")
    wang = _customer("13900000001", name_cjk="王芳")
    _record(make_staff(Role.AGENT, username="gus"), wang)
    client = client_for(agent)
    views_before = AuditEntry.objects.filter(actor=agent, action="view").count()
    response = client.get(f"/customers/{wang.pk}/live/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    for element in ("desk-profile", "last-time", "notes-list", "timeline", "desk-side"):
        assert f'id="{element}"' in html, element
    assert html.count('hx-swap-oob="true"') == 5
    assert html.count('class="interaction"') == 1
    assert SECRET_SUMMARY in html
    assert "<form" not in html  # what is being typed on the page is left alone
    assert AuditEntry.objects.filter(actor=agent, action="view").count() == views_before + 1

    page = client.get(f"/customers/{wang.pk}/").content.decode()
    assert f'data-live-customer="{wang.pk}"' in page
    assert f'hx-get="/customers/{wang.pk}/live/"' in page
    assert 'hx-swap-oob="true"' not in page


def test_the_live_refetch_of_a_merged_customer_reloads_the_page(make_staff, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(make_staff(Role.AGENT, username="hal"))
    duplicate = _customer("13900000001")
    customer_merge(actor=None, survivor=_customer("13900000002"), duplicate=duplicate)
    response = client.get(f"/customers/{duplicate.pk}/live/", HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Refresh"]) == (200, "true")
    assert client.get("/customers/999999/live/").status_code == 404
    assert client.post(f"/customers/{duplicate.pk}/live/").status_code == 405


def test_the_live_refetch_needs_customers_view(make_staff, client_for) -> None:  # type: ignore[no-untyped-def]
    wang = _customer("13900000001")
    client = client_for(make_staff(Role.ANALYST, username="ida"))
    assert client.get(f"/customers/{wang.pk}/live/").status_code == 403
