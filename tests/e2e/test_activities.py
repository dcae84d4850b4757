"""A sales rep in a real Chromium: plans a call for tomorrow from a customer's desk, finds it
on My day, completes it there with an outcome, and sees the call on the customer's timeline."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from heartline.activities.models import Activity
from heartline.customers import services
from heartline.customers.services import IdentityInput
from heartline.timeline.models import Interaction
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed() -> int:
    customer = services.customer_create(
        actor=None,
        identities_in=[IdentityInput("phone", "13800138000")],
        name_cjk="张伟",
        name_latin="Wei Zhang",
    )
    return customer.pk


def test_sales_rep_plans_a_call_on_the_desk_and_completes_it_on_my_day(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page
) -> None:
    off_loop(make_staff, "sales", username="sales.li", display_name="Li")
    customer_id = off_loop(seed)
    base = asgi_server
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    page: Any = open_page()
    sign_in(page, base, "sales.li")
    page.goto(f"{base}/customers/{customer_id}/")
    section = page.locator("[data-testid=activities-section]")
    section.wait_for()
    assert "No activities yet." in section.inner_text()

    section.locator("[data-testid=activity-add-open]").click()
    form = section.locator("[data-testid=activity-add]")
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=subject]").fill("回访：鞋码43到货")
    form.locator("input[name=due_at]").fill(f"{tomorrow:%Y-%m-%d}T10:30")
    form.locator("select[name=remind_minutes_before]").select_option("15")
    form.locator("[data-testid=activity-add-submit]").click()
    row = page.locator("[data-testid=activities-section] [data-testid=activity]")
    row.wait_for()
    assert row.locator("[data-testid=activity-subject]").inner_text() == "回访：鞋码43到货"
    assert row.locator("[data-testid=activity-when]").inner_text() == f"{tomorrow:%Y-%m-%d} 10:30"

    activity = off_loop(Activity.objects.get)
    assert (activity.kind, activity.customer_id, activity.status) == (
        "call",
        customer_id,
        "planned",
    )

    page.click("#main-nav a[data-nav=my_day]")
    page.wait_for_url(f"{base}/activities/")
    day = page.locator(f"[data-testid=upcoming-day][data-date='{tomorrow:%Y-%m-%d}']")
    assert day.count() == 1
    mine = page.locator(f"[data-testid=group-upcoming] [data-activity='{activity.pk}']")
    assert mine.locator("[data-testid=activity-subject]").inner_text() == "回访：鞋码43到货"
    assert mine.locator("a").inner_text() == "张伟"

    mine.locator("[data-testid=outcome]").fill("Will pick up on Saturday")
    mine.locator("[data-testid=complete]").click()
    done = page.locator(f"[data-testid=group-done] [data-activity='{activity.pk}']")
    done.wait_for()
    assert done.locator("[data-testid=activity-outcome]").inner_text() == (
        "Will pick up on Saturday"
    )
    assert (
        page.locator(f"[data-testid=group-upcoming] [data-activity='{activity.pk}']").count() == 0
    )

    row = off_loop(Interaction.objects.get)
    assert (row.channel, row.outcome, row.source_ref) == (
        "phone",
        "Will pick up on Saturday",
        str(activity.pk),
    )
    page.goto(f"{base}/customers/{customer_id}/")
    timeline = page.locator("[data-testid=timeline]")
    assert "回访：鞋码43到货" in timeline.inner_text()
    assert timeline.locator("li").first.inner_text().startswith("Phone Outbound · ")
    page.locator("[data-testid=activities-section] [data-status=done]").wait_for()
