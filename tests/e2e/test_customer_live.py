"""An open customer page follows what happens to the customer elsewhere, in a real Chromium:
an interaction recorded by someone else appears in the timeline and in "last time" without a
reload, and what the agent is typing stays where it is."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from heartline.accounts.models import User
from heartline.customers import services
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput
from heartline.timeline.services import interaction_record
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed() -> Customer:
    zhang = services.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13800138000")], name_cjk="张伟"
    )
    interaction_record(
        actor=None,
        customer=zhang,
        channel="store",
        direction="in",
        occurred_at=timezone.now() - datetime.timedelta(days=3),
        topic="Bought running shoes",
    )
    return zhang


def record_elsewhere(actor: User, customer: Customer) -> None:
    interaction_record(
        actor=actor,
        customer=customer,
        channel="phone",
        direction="in",
        topic="Asked about delivery",
        summary="Parcel expected on Friday.",
    )


def test_an_interaction_recorded_elsewhere_appears_without_reload(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page
) -> None:
    off_loop(make_staff, "agent", username="agent.li", display_name="Li")
    colleague = off_loop(make_staff, "agent", username="agent.wu", display_name="Wu")
    zhang = off_loop(seed)
    base = asgi_server

    page: Any = open_page()
    sign_in(page, base, "agent.li")
    page.goto(f"{base}/customers/{zhang.pk}/")
    page.wait_for_selector(
        f"[data-live-customer='{zhang.pk}'][data-live-state=subscribed]", state="attached"
    )
    assert page.locator("#timeline .interaction strong").all_inner_texts() == [
        "Bought running shoes"
    ]
    page.fill("#id_text", "half-typed note")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    off_loop(record_elsewhere, colleague, zhang)  # another agent, another page: not this one

    page.wait_for_selector("#timeline .interaction:has-text('Asked about delivery')")
    assert page.locator("#timeline .interaction strong").all_inner_texts() == [
        "Asked about delivery",
        "Bought running shoes",
    ]
    last = page.locator("[data-testid=last-time]").inner_text()
    assert "Asked about delivery" in last
    assert "Parcel expected on Friday." in last
    assert "Wu" in last
    assert page.locator("#id_text").input_value() == "half-typed note"
    assert navigations == []
    assert page.url == f"{base}/customers/{zhang.pk}/"
