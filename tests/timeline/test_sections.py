"""The 360's sections (deals, orders, leads, activities) run as hand-written SQL on the 360's
cursor and return exactly what the ORM reads of the same rows."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

from heartline.activities.models import Activity
from heartline.customers import services as customers
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput
from heartline.leads.models import Lead
from heartline.orders.models import Order
from heartline.sales.models import Deal
from heartline.sales.pipelines import StageInput, pipeline_create
from heartline.timeline import hot
from heartline.timeline.selectors import SECTIONS, customer_360

UTC = datetime.UTC


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def customer(db) -> Customer:  # type: ignore[no-untyped-def]
    return customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13912345678")], name_cjk="王芳"
    )


@pytest.fixture
def other(db) -> Customer:  # type: ignore[no-untyped-def]
    return customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13800138000")], name_cjk="李娜"
    )


@pytest.fixture
def filled(customer, other, staff_by_role) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Rows of every section for ``customer`` — more than each section shows, with values
    that differ between the databases' drivers (amounts, dates, booleans) — and some for
    ``other``."""
    seller = staff_by_role["sales"]
    pipeline = pipeline_create(
        actor=None,
        name_en="New business",
        name_zh="新业务",
        no_skipping=False,
        stages=(
            StageInput("Lead", "线索", "open", 10),
            StageInput("Proposal", "方案", "open", 60),
            StageInput("Won", "赢单", "won"),
        ),
    )
    lead_stage, proposal, won = pipeline.stages.order_by("position")
    amounts = [None, Decimal("8800"), Decimal("1234567.8912"), Decimal("0.1"), Decimal("19.99")]
    for n in range(12):
        Deal.objects.create(
            title=f"交易 {n}",
            customer=customer if n != 5 else other,
            pipeline=pipeline,
            stage=won if n == 3 else (proposal if n % 2 else lead_stage),
            status=Deal.Status.WON if n == 3 else Deal.Status.OPEN,
            amount=amounts[n % len(amounts)],
            currency="USD" if n == 4 else "CNY",
            expected_close=datetime.date(2027, 1, n + 1) if n % 3 else None,
            owner=seller if n % 2 else None,
        )
    for n, status in enumerate(["placed", "paid", "cancelled", "delivered", "refunded", "placed"]):
        Order.objects.create(
            customer=customer,
            number=f"SO-{n}",
            source=Order.Source.MANUAL,
            status=status,
            currency="USD" if n == 4 else "CNY",
            total=[Decimal("65.29"), Decimal("40.1"), Decimal("99.44"), Decimal("1000")][n % 4],
            placed_at=at(2026, 11, 1 + n, 9, 30),
        )
    Order.objects.create(
        customer=other,
        number="SO-X",
        source=Order.Source.SHOP,
        currency="CNY",
        total=Decimal(5),
        placed_at=at(2026, 11, 30),
    )
    for n in range(11):
        Lead.objects.create(
            source=Lead.Source.WEB_FORM if n % 2 else Lead.Source.CHAT,
            email=f"lead{n}@example.com",
            customer=customer,
            score=n * 7 - 20,
            deal=Deal.objects.filter(customer=customer).order_by("id").first() if n == 2 else None,
        )
    Lead.objects.create(source=Lead.Source.WEB_FORM, email="li@example.com", customer=other)
    Lead.objects.create(source=Lead.Source.WEB_FORM, email="new@example.com")  # no customer yet
    for n in range(8):
        Activity.objects.create(
            kind=Activity.Kind.MEETING if n % 2 else Activity.Kind.CALL,
            subject=f"拜访 {n}",
            due_at=at(2030, 5, 7 + n % 3, 9, n),
            all_day=n == 4,
            owner=seller,
            customer=customer,
            status=Activity.Status.DONE if n == 1 else Activity.Status.PLANNED,
        )
    Activity.objects.create(subject="Not hers", due_at=at(2030, 1, 1), owner=seller, customer=other)
    return {"pipeline": pipeline, "seller": seller}


def orm_deals(customer_id: int) -> list[dict[str, Any]]:
    rows = (
        Deal.objects.filter(customer_id=customer_id, status=Deal.Status.OPEN)
        .order_by("-id")
        .values(
            "id",
            "title",
            "amount",
            "currency",
            "expected_close",
            "pipeline_id",
            "stage_id",
            "stage__name_en",
            "stage__name_zh",
            "stage__probability",
            "owner_id",
        )[:10]
    )
    return [dict(row) for row in rows]


def orm_leads(customer_id: int) -> list[dict[str, Any]]:
    rows = Lead.objects.filter(customer_id=customer_id).order_by("-id")
    fields = ("id", "status", "source", "score", "created_at", "deal_id")
    return [dict(row) for row in rows.values(*fields)[:10]]


def orm_activities(customer_id: int) -> list[dict[str, Any]]:
    rows = (
        Activity.objects.filter(customer_id=customer_id, status=Activity.Status.PLANNED)
        .order_by("due_at", "id")
        .values("id", "kind", "subject", "due_at", "all_day", "owner_id", "deal_id")
    )
    return list(rows[:5])


def orm_orders(customer_id: int) -> dict[str, Any]:
    recent = list(
        Order.objects.filter(customer_id=customer_id)
        .order_by("-placed_at", "-id")
        .values("id", "number", "status", "currency", "total", "placed_at")[:5]
    )
    for order in recent:
        order["total"] = str(order["total"].quantize(Decimal("0.01")))
    groups = (
        Order.objects.filter(customer_id=customer_id)
        .values_list("currency", "status")
        .annotate(n=Count("id"), spent=Sum("total"))
        .order_by()
    )
    spent: dict[str, Decimal] = {}
    for currency, status, _n, total in groups:
        counted = status not in ("cancelled", "returned", "refunded")
        spent[currency] = spent.get(currency, Decimal(0)) + (total if counted else 0)
    return {
        "recent": recent,
        "count": sum(n for _c, _s, n, _t in groups),
        "spent": [
            {"currency": c, "amount": str(v.quantize(Decimal("0.01")))}
            for c, v in sorted(spent.items())
        ],
        "last_placed_at": recent[0]["placed_at"] if recent else None,
    }


ORM = {"deals": orm_deals, "orders": orm_orders, "leads": orm_leads, "activities": orm_activities}


def test_every_section_is_one_bounded_query_of_hand_written_sql() -> None:
    assert list(SECTIONS) == ["deals", "leads", "activities", "orders"]
    for section in SECTIONS.values():
        assert isinstance(section, hot.Section)
        assert "LIMIT" in section.sql
    with pytest.raises(ValueError, match="LIMIT"):
        hot.Section(sql="SELECT id FROM sales_deal WHERE customer_id = %s", params=list, shape=list)


@pytest.mark.django_db
def test_each_section_returns_what_the_orm_reads(filled, customer, other) -> None:
    for cid in (customer.pk, other.pk, 987654):
        for name, section in SECTIONS.items():
            with CaptureQueriesContext(connection) as queries:
                value = section(cid)
            assert len(queries) == 1
            assert value == ORM[name](cid), (name, cid)
    shown = {name: SECTIONS[name](customer.pk) for name in SECTIONS}
    assert [d["title"] for d in shown["deals"]] == [
        "交易 11",
        "交易 10",
        "交易 9",
        "交易 8",
        "交易 7",
        "交易 6",
        "交易 4",
        "交易 2",
        "交易 1",
        "交易 0",
    ]
    assert [d["amount"] for d in shown["deals"][:5]] == [
        Decimal("8800.0000"),
        None,
        Decimal("19.9900"),
        Decimal("0.1000"),
        Decimal("1234567.8912"),
    ]
    assert shown["deals"][7]["expected_close"] == datetime.date(2027, 1, 3)
    assert shown["deals"][0]["stage__probability"] == 60
    planned = ["拜访 0", "拜访 3", "拜访 6", "拜访 4", "拜访 7"]
    assert [a["subject"] for a in shown["activities"]] == planned
    assert [a["all_day"] for a in shown["activities"]] == [False, False, False, True, False]
    assert shown["activities"][0]["due_at"] == at(2030, 5, 7, 9, 0)
    assert len(shown["leads"]) == 10
    assert [lead["score"] for lead in shown["leads"][:3]] == [50, 43, 36]
    orders = shown["orders"]
    assert [o["number"] for o in orders["recent"]] == ["SO-5", "SO-4", "SO-3", "SO-2", "SO-1"]
    assert [o["total"] for o in orders["recent"]] == ["40.10", "65.29", "1000.00", "99.44", "40.10"]
    assert orders["count"] == 6
    assert orders["spent"] == [
        {"currency": "CNY", "amount": "1145.49"},
        {"currency": "USD", "amount": "0.00"},  # refunded
    ]
    assert orders["last_placed_at"] == at(2026, 11, 6, 9, 30)


@pytest.mark.django_db
def test_the_360_reads_its_sections_on_its_cursor_in_fourteen_queries(
    filled, customer, staff_by_role
) -> None:
    agent = staff_by_role["sales"]  # a role that sees all four sections
    with CaptureQueriesContext(connection) as queries:
        c360 = customer_360(agent, customer.pk)
    # 9 hot reads, then the 4 sections in their order, then the audit entry of the view
    sqls = [q["sql"] for q in queries.captured_queries]
    assert len(sqls) == 14
    assert [" FROM sales_deal " in s for s in sqls].index(True) == 9
    assert " FROM leads_lead " in sqls[10]
    assert " FROM activities_activity " in sqls[11]
    assert " FROM orders_order " in sqls[12]
    assert sqls[13].startswith('INSERT INTO "core_auditentry"')
    assert c360["sections"] == {name: fn(customer.pk) for name, fn in ORM.items()}
    assert list(c360["sections"]) == ["deals", "leads", "activities", "orders"]
