"""The agent desktop in a real Chromium: search by a phone typed with spaces, the 360 with the
birthday highlight and the last interactions, a note added in place; then a manager (the agent
role may not merge) merges a duplicate and undoes it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from heartline.customers import services
from heartline.customers.models import Customer, Note
from heartline.customers.services import IdentityInput
from heartline.timeline.services import interaction_record
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed() -> tuple[Customer, Customer]:
    soon = datetime.date.today() + datetime.timedelta(days=5)
    zhang = services.customer_create(
        actor=None,
        identities_in=[IdentityInput("phone", "13800138000")],
        name_cjk="张伟",
        name_latin="Wei Zhang",
        tags=["VIP"],
    )
    services.moment_set(
        actor=None, customer=zhang, kind="birthday", month=soon.month, day=soon.day, year=1988
    )
    services.note_add(actor=None, customer=zhang, text="喜欢绿茶 · prefers green tea", pinned=True)
    now = timezone.now()
    interaction_record(
        actor=None,
        customer=zhang,
        channel="store",
        direction="in",
        occurred_at=now - datetime.timedelta(days=9),
        topic="Bought running shoes",
        summary="Size 42, paid by WeChat Pay.",
    )
    interaction_record(
        actor=None,
        customer=zhang,
        channel="phone",
        direction="in",
        occurred_at=now - datetime.timedelta(days=2),
        topic="Shoes too small",
        summary="Wants to exchange for size 43.",
        follow_up="Call back when size 43 arrives",
        follow_up_due=datetime.date.today() + datetime.timedelta(days=3),
    )
    twin = services.customer_create(
        actor=None,
        identities_in=[IdentityInput("email", "wei.zhang@example.com")],
        name_cjk="张伟",
    )
    return zhang, twin


def test_agent_desk_then_manager_merges_and_undoes(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page
) -> None:
    off_loop(make_staff, "agent", username="agent.li", display_name="Li")
    off_loop(make_staff, "manager", username="manager.wu", display_name="Wu")
    zhang, twin = off_loop(seed)
    base = asgi_server

    page: Any = open_page()
    sign_in(page, base, "agent.li")
    page.click("#main-nav a[data-nav=customers]")
    # htmx binds the search box's "input" trigger when the page has loaded; typing before
    # that (a slow machine) would send no search.
    page.wait_for_url(f"{base}/customers/")
    page.wait_for_load_state("load")
    page.fill("#customer-q", "138 0013 8000")
    page.wait_for_selector(".customer-results td .tag")  # the matched-by column: a search ran
    rows = page.locator(".customer-results tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-customer-id") == str(zhang.pk)
    assert page.locator(".customer-results td .tag").inner_text() == "phone"
    rows.first.locator("a").click()
    page.wait_for_url(f"{base}/customers/{zhang.pk}/")

    assert page.locator("[data-testid=customer-name]").inner_text() == "张伟"
    assert page.locator("[data-testid=moment-soon]").inner_text() == "Birthday in 5 days"
    last = page.locator("[data-testid=last-time]").inner_text()
    assert "Shoes too small" in last
    assert "Call back when size 43 arrives" in last
    topics = page.locator("#timeline .interaction strong").all_inner_texts()
    assert topics == ["Shoes too small", "Bought running shoes"]
    assert "+86 138 0013 8000" in page.locator("[data-testid=identities]").inner_text()

    page.fill("#id_text", "Asked for a birthday discount")
    page.check("#id_pinned")
    page.click("[data-testid=note-submit]")
    page.wait_for_selector("#notes li:has-text('Asked for a birthday discount')")
    assert page.url == f"{base}/customers/{zhang.pk}/"  # swapped in place, no navigation
    assert off_loop(lambda: list(Note.objects.values_list("text", "pinned").order_by("id"))) == [
        ("喜欢绿茶 · prefers green tea", True),
        ("Asked for a birthday discount", True),
    ]
    page.screenshot(path="/tmp/heartline-360.png", full_page=True)

    manager: Any = open_page()
    sign_in(manager, base, "manager.wu")
    manager.goto(f"{base}/customers/{zhang.pk}/duplicates/")
    manager.click(f"[data-testid=compare-{twin.pk}]")
    manager.wait_for_url(f"{base}/customers/{zhang.pk}/merge/{twin.pk}/")
    manager.click("[data-testid=merge-submit]")
    manager.wait_for_url(f"{base}/customers/{zhang.pk}/")
    assert "wei.zhang@example.com" in manager.locator("[data-testid=identities]").inner_text()
    assert off_loop(lambda: Customer.objects.get(pk=twin.pk).merged_into_id) == zhang.pk

    manager.click("[data-testid=merge-undo]")
    manager.wait_for_selector(".messages li:has-text('Merge undone')")
    assert "wei.zhang@example.com" not in manager.locator("[data-testid=identities]").inner_text()
    assert off_loop(lambda: Customer.objects.get(pk=twin.pk).merged_into_id) is None
