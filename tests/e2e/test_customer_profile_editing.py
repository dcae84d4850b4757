"""The desk's inline editors in a real Chromium: an agent records consent to marketing by e-mail,
adds a birthday without a year and a household member found through the customer search, each
in place (no navigation), and sees all three on the page; an editor left open keeps what is
being typed when the page refreshes its sections live."""

from __future__ import annotations

from typing import Any

import pytest

from heartline.customers import services
from heartline.customers.models import ConsentEvent, Customer, Moment, Relation
from heartline.customers.services import IdentityInput
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed() -> tuple[Customer, Customer]:
    zhang = services.customer_create(
        actor=None,
        identities_in=[IdentityInput("phone", "13800138000")],
        name_cjk="张伟",
        name_latin="Wei Zhang",
    )
    li = services.customer_create(
        actor=None, identities_in=[IdentityInput("email", "li.na@example.com")], name_cjk="李娜"
    )
    return zhang, li


def settled(page: Any, selector: str) -> None:
    """Wait until swapped-in content is there and htmx has bound it (it does so ~20 ms after
    the swap, when it takes the "htmx-added" class off): only then do its links and forms
    answer in place rather than as plain links and forms."""
    page.wait_for_selector(f"{selector}:not(.htmx-added)")


def write(page: Any, testid: str) -> None:
    """Submit an editor, then let the live refresh that the write itself causes (the page
    follows its customer) land, so the next click meets settled content."""
    with page.expect_response(lambda response: "/live/" in response.url):
        page.click(f"[data-testid={testid}]")
    page.wait_for_selector("#customer-live:not(.htmx-request)", state="attached")
    settled(page, "#desk-side")


def open_editor(page: Any, key: str) -> None:
    page.click(f"[data-testid={key}-edit]")
    settled(page, f"#{key}-section[data-editing]")


def saved(zhang_id: int) -> dict[str, Any]:
    return {
        "consent": list(
            ConsentEvent.objects.filter(customer_id=zhang_id).values_list(
                "purpose", "granted", "source", "recorded_by__username"
            )
        ),
        "moments": list(
            Moment.objects.filter(customer_id=zhang_id).values_list("kind", "month", "day", "year")
        ),
        "relations": list(Relation.objects.values_list("customer_id", "kind", "other_id")),
    }


def test_agent_records_consent_birthday_and_household_in_place(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page
) -> None:
    off_loop(make_staff, "agent", username="agent.li", display_name="Li")
    zhang, li = off_loop(seed)
    base = asgi_server
    page: Any = open_page()
    sign_in(page, base, "agent.li")
    page.goto(f"{base}/customers/{zhang.pk}/")
    page.wait_for_load_state("load")  # htmx has bound the Edit links
    page.wait_for_selector("[data-live-customer][data-live-state=subscribed]", state="attached")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # Consent: marketing by e-mail, told on the phone.
    open_editor(page, "consent")
    page.select_option("#consent_purpose", "marketing_email")
    page.check("#consent_decision_0")  # granted
    page.select_option("#consent_source", "phone")
    write(page, "consent-submit")
    settled(page, "#consent-section:not([data-editing])")
    state = page.locator("#consent-section tr[data-purpose=marketing_email]").inner_text()
    assert "Marketing by e-mail" in state
    assert "yes" in state
    assert "Phone call" in state

    # A birthday without a year.
    open_editor(page, "moments")
    page.select_option("#moment_kind", "birthday")
    page.fill("#moment_month", "5")
    page.fill("#moment_day", "4")
    write(page, "moment-submit")
    settled(page, "#moments-section:has([data-testid=section-done])")
    assert (
        page.locator("#moments-section [data-testid=moments] li")
        .inner_text()
        .startswith("Birthday: 05-04")
    )
    page.click("[data-testid=moments-done]")
    settled(page, "#moments-section:not([data-editing])")

    # A household member, found through the customer search.
    open_editor(page, "relations")
    page.fill("#relation-q", "李娜")
    page.check(f"[data-testid=candidate-{li.pk}]")
    page.select_option("#relation_kind", "household")
    write(page, "relation-submit")
    settled(page, "#relations-section:has(li:has-text('李娜'))")
    assert (
        page.locator("#relations-section li").first.inner_text().startswith("李娜 household member")
    )

    assert navigations == []  # everything happened in place
    assert off_loop(saved, zhang.pk) == {
        "consent": [("marketing_email", True, "phone", "agent.li")],
        "moments": [("birthday", 5, 4, None)],
        "relations": [(zhang.pk, "household", li.pk)],
    }

    page.reload()
    assert "yes" in page.locator("tr[data-purpose=marketing_email]").inner_text()
    assert "Birthday: 05-04" in page.locator("[data-testid=moments]").inner_text()
    assert "李娜" in page.locator("#relations-section").inner_text()
    page.screenshot(path="/tmp/heartline-profile-editing.png", full_page=True)


def test_an_open_editor_survives_a_live_refresh(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page
) -> None:
    off_loop(make_staff, "agent", username="agent.li", display_name="Li")
    off_loop(make_staff, "agent", username="agent.wu", display_name="Wu")
    zhang, _li = off_loop(seed)
    base = asgi_server
    page: Any = open_page()
    sign_in(page, base, "agent.li")
    page.goto(f"{base}/customers/{zhang.pk}/")
    page.wait_for_load_state("load")
    page.wait_for_selector("[data-live-customer][data-live-state=subscribed]", state="attached")
    open_editor(page, "addresses")
    page.fill("#address_text", "朝阳区建国路88号")

    # Someone else adds a date; the page hears of it and refreshes the sections it shows.
    off_loop(
        lambda: services.moment_set(actor=None, customer=zhang, kind="anniversary", month=9, day=1)
    )
    page.wait_for_selector("#moments-section li:has-text('09-01')")
    assert page.locator("#address_text").input_value() == "朝阳区建国路88号"
    assert page.locator("#addresses-section[data-editing]").count() == 1
