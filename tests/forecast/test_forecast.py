"""The sales forecast: exact figures, and every drill-down lists exactly the deals of its figure."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from heartline.core.models import AuditEntry
from heartline.customers import services as customers
from heartline.customers.services import IdentityInput
from heartline.sales import forecast as fc
from heartline.sales.models import Deal, Pipeline, Stage

NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(staff_by_role, traveller):
    sales = staff_by_role["sales"]
    manager = staff_by_role["manager"]
    customer = customers.customer_create(
        actor=sales, identities_in=[IdentityInput("phone", "13800138000")], name_cjk="张伟"
    )
    pipeline = Pipeline.objects.create(name_en="New business", name_zh="新业务")
    stages = {
        "lead": Stage.objects.create(pipeline=pipeline, name_en="Lead", position=1, probability=10),
        "offer": Stage.objects.create(
            pipeline=pipeline, name_en="Offer", position=2, probability=60
        ),
        "won": Stage.objects.create(
            pipeline=pipeline, name_en="Won", position=3, probability=100, kind="won"
        ),
        "lost": Stage.objects.create(
            pipeline=pipeline, name_en="Lost", position=4, probability=0, kind="lost"
        ),
    }

    def deal(title, stage, amount, close=None, owner=sales, status="open", closed=None, made=None):
        row = Deal.objects.create(
            title=title,
            customer=customer,
            pipeline=pipeline,
            stage=stages[stage],
            status=status,
            amount=Decimal(amount) if amount is not None else None,
            expected_close=close,
            owner=owner,
            closed_at=closed,
        )
        if made:
            Deal.objects.filter(pk=row.pk).update(created_at=made)
        return row

    d = datetime.date
    deals = {
        "a": deal("A", "lead", "1000.00", d(2026, 11, 30)),  # Nov: 100.00
        "b": deal("B", "offer", "333.33", d(2026, 11, 2)),  # Nov: 199.998
        "c": deal("C", "offer", "0.01", d(2026, 12, 15), owner=manager),  # Dec: 0.006
        "overdue": deal("Old", "lead", "50.00", d(2026, 9, 1)),  # counts in Nov: 5.00
        "nodate": deal("No date", "offer", "100.00"),  # 60.00 in "none"
        "later": deal("Later", "lead", "999.00", d(2027, 6, 1)),  # after the 6 months
        "usd": deal("USD", "lead", "5000.00", d(2026, 11, 20)),
        "won1": deal(
            "W1",
            "won",
            "800.00",
            status="won",
            closed=datetime.datetime(2026, 10, 10, 12, tzinfo=datetime.UTC),
            made=datetime.datetime(2026, 9, 30, 12, tzinfo=datetime.UTC),
        ),
        "won2": deal(
            "W2",
            "won",
            "200.00",
            status="won",
            closed=datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC),
            made=datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC),
        ),
        "lost1": deal(
            "L1",
            "lost",
            "70.00",
            status="lost",
            closed=datetime.datetime(2026, 8, 1, 12, tzinfo=datetime.UTC),
        ),
        "ancient": deal(
            "Won long ago",
            "won",
            "999.00",
            status="won",
            closed=datetime.datetime(2025, 1, 1, 12, tzinfo=datetime.UTC),
        ),
    }
    Deal.objects.filter(pk=deals["usd"].pk).update(currency="USD")
    return {"sales": sales, "manager": manager, "pipeline": pipeline, "deals": deals}


@pytest.mark.django_db
def test_the_forecast_figures_are_exact(world):
    result = fc.forecast(currency="CNY")
    sales, manager = str(world["sales"].pk), str(world["manager"].pk)
    assert result.months == ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]
    assert result.past_months[0] == "2026-05"
    assert result.past_months[-1] == "2026-10"
    assert result.open_count == 5
    assert result.open_amount == Decimal("1483.34")
    assert result.weighted_amount == Decimal("365.004")
    assert result.cells[("2026-11", sales)] == {
        "count": 3,
        "amount": Decimal("1383.33"),
        "weighted": Decimal("304.998"),
    }
    assert result.cells[("2026-12", manager)]["weighted"] == Decimal("0.006")
    assert result.cells[(fc.NONE, sales)]["weighted"] == Decimal("60.00")
    assert result.weighted_by_month(sales) == [Decimal("304.998")] + [Decimal(0)] * 5
    assert result.won_count == 2
    assert result.won_amount == Decimal("1000.00")
    assert result.won_by_month == {"2026-10": Decimal("800.00"), "2026-06": Decimal("200.00")}
    assert result.lost_count == 1
    assert result.win_rate == pytest.approx(2 / 3)
    assert result.cycle_days == 20.5  # (10 + 31) / 2


@pytest.mark.django_db
def test_currencies_are_never_added_together(world):
    result = fc.forecast(currency="USD")
    assert (result.open_count, result.open_amount, result.weighted_amount) == (
        1,
        Decimal("5000.00"),
        Decimal("500.00"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("metric", "month", "owner_key", "titles"),
    [
        ("open", None, None, ["Old", "B", "A", "C", "No date"]),
        ("open", "2026-11", "sales", ["Old", "B", "A"]),
        ("open", "2026-12", "manager", ["C"]),
        ("open", "none", "sales", ["No date"]),
        ("won", None, None, ["W2", "W1"]),
        ("won", "2026-10", None, ["W1"]),
        ("lost", None, None, ["L1"]),
    ],
)
def test_each_drill_down_lists_exactly_the_deals_of_its_figure(
    world, metric, month, owner_key, titles
):
    owner = str(world[owner_key].pk) if owner_key else None
    deals = fc.deals_behind(
        metric, currency="CNY", period=fc.default_period(), month=month, owner=owner
    )
    rows = fc.drill_down(deals, "CNY")
    assert sorted(r["deal"].title for r in rows.rows) == sorted(titles)
    result = fc.forecast(currency="CNY")
    if metric == "open" and month and owner:
        assert rows.weighted == round(result.cells[(month, owner)]["weighted"], 2)
    if metric == "open" and not month:
        assert rows.weighted == Decimal("365.00")
        assert rows.amount == result.open_amount


@pytest.mark.django_db
def test_the_dashboard_page_shows_the_figures_with_links(world, client_for):
    page = client_for(world["sales"]).get(reverse("web:sales_dashboard"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "CN¥1,483.34" in text  # open pipeline
    assert "CN¥365.00" in text  # weighted
    assert "67 %" in text  # win rate
    assert "20.5 days" in text
    assert reverse("web:sales_drilldown") + "?" in text
    assert 'id="dashboard-data" data-chart="{&quot;currency&quot;: &quot;CNY&quot;' in text


@pytest.mark.django_db
def test_analysts_see_figures_but_not_the_deals_behind_them(world, client_for, staff_by_role):
    analyst = client_for(staff_by_role["analyst"])
    page = analyst.get(reverse("web:sales_dashboard"))
    assert page.status_code == 200
    assert "CN¥365.00" in page.content.decode()
    assert reverse("web:sales_drilldown") not in page.content.decode()
    assert analyst.get(reverse("web:sales_drilldown") + "?metric=open").status_code == 403
    assert client_for(staff_by_role["agent"]).get(reverse("web:sales_dashboard")).status_code == 403


@pytest.mark.django_db
def test_the_drill_down_page_lists_and_audits(world, client_for):
    before = AuditEntry.objects.filter(action="view").count()
    owner = world["sales"].pk
    url = reverse("web:sales_drilldown") + f"?metric=open&month=2026-11&owner={owner}&currency=CNY"
    page = client_for(world["sales"]).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 deals: amount CN¥1,383.33, weighted CN¥305.00." in text
    assert text.count("data-deal-id=") == 3
    entry = AuditEntry.objects.filter(action="view").order_by("-id").first()
    assert AuditEntry.objects.filter(action="view").count() == before + 1
    assert entry.object_label == "deal drill-down"
    assert entry.changes["customers"] == [world["deals"]["a"].customer_id]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "metric=bogus",
        "metric=open&month=2026-13x",
        "metric=open&owner=<script>",
        "metric=open&currency=XXXX",
        "metric=open&currency=ABC",
        "metric=open&months=7",
    ],
)
def test_bad_drill_down_links_get_400_with_a_message(world, client_for, query):
    page = client_for(world["sales"]).get(reverse("web:sales_drilldown") + "?" + query)
    assert page.status_code == 400
    assert "The link is not valid." in page.content.decode()


@pytest.mark.django_db
def test_the_dashboard_refuses_an_unknown_currency(world, client_for):
    page = client_for(world["sales"]).get(reverse("web:sales_dashboard") + "?currency=ABC")
    assert page.status_code == 400
    assert "ABC is not an ISO 4217 currency code" in page.content.decode()


@pytest.mark.django_db
def test_the_dashboard_works_in_chinese(world, client_for):
    client = client_for(world["sales"])
    page = client.get(reverse("web:sales_dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "¥1,483.34" in page.content.decode()


def test_month_arithmetic():
    assert fc.add_months(datetime.date(2026, 11, 1), 2) == datetime.date(2027, 1, 1)
    assert fc.add_months(datetime.date(2026, 1, 1), -1) == datetime.date(2025, 12, 1)
    assert fc.parse_month("2026-02") == datetime.date(2026, 2, 1)
    assert fc.parse_month("2026-2x") is None
    assert timezone.is_aware(NOW)
