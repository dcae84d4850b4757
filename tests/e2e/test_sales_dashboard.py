"""The sales dashboard in Chromium: the charts draw under our CSP, a figure drills down."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from heartline.core.permissions import Role
from heartline.customers import services as customers
from heartline.customers.services import IdentityInput
from heartline.sales.models import Deal, Pipeline, Stage
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _deals(make_staff: Any) -> Any:
    rep = make_staff(Role.SALES, username="sales.sam")
    customer = customers.customer_create(
        actor=rep, identities_in=[IdentityInput("phone", "13700137000")], name_cjk="李娜"
    )
    pipeline = Pipeline.objects.create(name_en="New business", name_zh="新业务")
    stage = Stage.objects.create(pipeline=pipeline, name_en="Offer", probability=50)
    soon = datetime.date.today() + datetime.timedelta(days=3)
    for title, amount in (("Tea set", "1200.00"), ("Gift boxes", "800.50")):
        Deal.objects.create(
            title=title,
            customer=customer,
            pipeline=pipeline,
            stage=stage,
            amount=Decimal(amount),
            expected_close=soon,
            owner=rep,
        )
    return rep


def test_sales_rep_reads_the_dashboard_and_drills_down(make_staff, asgi_server, open_page):  # type: ignore[no-untyped-def]
    off_loop(_deals, make_staff)
    page = open_page()
    sign_in(page, asgi_server, "sales.sam")
    page.goto(f"{asgi_server}/sales/dashboard/")
    page.wait_for_function("document.getElementById('forecast-chart').chart !== undefined")
    drawn = page.evaluate("document.getElementById('forecast-chart').chart.data.datasets[0].data")
    assert drawn == [1000.25, 0, 0, 0, 0, 0]
    assert page.evaluate("document.getElementById('won-chart').chart !== undefined")
    weighted = page.locator("[data-tile=weighted] .tile-value a")
    assert weighted.inner_text() == "CN¥1,000.25"
    weighted.click()
    page.wait_for_url("**/sales/dashboard/deals/**")
    summary = page.get_by_test_id("drilldown-summary").inner_text()
    assert summary == "2 deals: amount CN¥2,000.50, weighted CN¥1,000.25."
    assert page.locator("[data-deal-id]").count() == 2
