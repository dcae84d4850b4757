"""The CSV deal import (dry run, updates, a refused row writes nothing) and the demo deals."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.customers.models import Customer
from heartline.demo.sales import DEALS, seed_sales
from heartline.sales import services
from heartline.sales.imports import csv_records, customer_by_reference, deal_import
from heartline.sales.models import Deal, LostReason, Pipeline, StageChange
from heartline.timeline.models import Interaction
from tests.sales.conftest import stage

pytestmark = pytest.mark.django_db


def run(seller, text: str, dry_run: bool = False):  # type: ignore[no-untyped-def]
    report = deal_import(actor=seller, records=csv_records(text.encode()), dry_run=dry_run)
    return [(r.row, r.status, r.deal_id, r.reason) for r in report.results], report


def test_rows_create_update_move_and_a_refused_row_writes_nothing(
    seller, customer, make_customer, pipeline, lost_reason
):
    make_customer("李娜", "13900139000", name_latin="Li Na")
    existing = services.deal_create(
        actor=seller, customer=customer, title="Kiosks", pipeline=pipeline, amount="10"
    )
    text = (
        "Customer,Title,Pipeline,Stage,Amount,Expected_Close,Lost_Reason\n"
        '13800138000,Kiosks,New business,Proposal,"2,500.50",2027-05-31,\n'  # updates + moves
        "13900139000,Tills,新业务,Lost,99,,价格太高\n"  # created, then lost
        f"#{customer.pk},Kiosks,New business,Won,77777,2027-01-01,\n"  # an open deal: moves
        "13800138000,Scanners,New business,Proposal,500,,\n"  # refused: no close date
        "13800138000,Kiosks,New business,Qualified,1,bad-date,\n"
    )
    rows, report = run(seller, text)
    tills = Deal.objects.get(title="Tills")
    assert rows == [
        (1, "moved", existing.pk, ""),
        (2, "created", tills.pk, ""),
        (3, "moved", existing.pk, ""),
        (
            4,
            "rejected",
            None,
            "Before a deal enters “Proposal”, fill in: expected close date.",
        ),
        (5, "rejected", None, "expected_close: “bad-date” is not a date like 2027-01-31."),
    ]
    assert report.summary == {"created": 1, "moved": 2, "updated": 0, "rejected": 2}
    existing.refresh_from_db()
    assert (existing.stage.name_en, existing.status, existing.amount) == (
        "Won",
        "won",
        Decimal("77777.0000"),
    )
    assert (tills.status, tills.lost_reason_id, tills.amount) == (
        "lost",
        lost_reason.pk,
        Decimal("99.0000"),
    )
    assert not Deal.objects.filter(title="Scanners").exists()
    assert set(StageChange.objects.values_list("via", flat=True)) == {"form", "import"}


def test_a_refused_move_rolls_back_the_rows_update(seller, customer, make_pipeline):
    pipeline = make_pipeline(name="Strict", no_skipping=True)
    deal = services.deal_create(actor=seller, customer=customer, title="Kiosks", pipeline=pipeline)
    rows, _ = run(
        seller,
        f"customer,title,pipeline,stage,amount,expected_close\n#{customer.pk},Kiosks,Strict,Proposal,900,2027-01-01\n",
    )
    assert rows[0][1:3] == ("rejected", None)
    deal.refresh_from_db()
    assert (deal.amount, deal.expected_close, deal.stage_id) == (
        None,
        None,
        stage(pipeline, "Lead").pk,
    )


def test_a_dry_run_reports_exactly_and_changes_nothing(seller, customer, pipeline):
    counts = (Deal.objects.count(), StageChange.objects.count(), Interaction.objects.count())
    rows, report = run(
        seller,
        f"customer,title,pipeline\n#{customer.pk},Kiosks,New business\n#999999,X,New business\n",
        dry_run=True,
    )
    assert report.dry_run is True
    assert [(r[0], r[1]) for r in rows] == [(1, "created"), (2, "rejected")]
    assert rows[1][3] == "customer: There is no customer #999999."
    assert (
        Deal.objects.count(),
        StageChange.objects.count(),
        Interaction.objects.count(),
    ) == counts


def test_the_file_and_the_permission_are_checked(seller, staff_by_role, customer, pipeline):
    with pytest.raises(ValidationError, match="has no column"):
        csv_records(b"title\nx\n")
    with pytest.raises(ValidationError, match="neither UTF-8 nor GB18030"):
        csv_records(b"\xff\xfe\x00\x81customer")
    assert csv_records("customer,title,pipeline\n张伟,单,新业务\n".encode("gb18030")) == [
        {"customer": "张伟", "title": "单", "pipeline": "新业务"}
    ]
    with pytest.raises(PermissionDenied):
        deal_import(actor=staff_by_role["agent"], records=[], dry_run=False)
    assert customer_by_reference(seller, "+86 138-0013-8000") == customer
    assert customer_by_reference(seller, f"#{customer.pk}") == customer


def test_the_demo_pipelines_and_deals(make_staff):
    make_staff("sales", username="sales")
    make_staff("manager", username="manager")
    from heartline.customers import services as customers
    from heartline.customers.services import IdentityInput

    for n in range(45):
        customers.customer_create(
            actor=None, identities_in=[IdentityInput("phone", f"1390000{n:04d}")], name_cjk="王芳"
        )
    first = seed_sales(seed=3)
    assert (first.pipelines, first.deals) == (2, DEALS)
    assert list(Pipeline.objects.values_list("name_en", "name_zh", "no_skipping")) == [
        ("New business", "新业务", False),
        ("Renewals", "续约", True),
    ]
    assert [s.kind for s in Pipeline.objects.get(name_en="New business").stages.all()] == [
        "open",
        "open",
        "open",
        "won",
        "lost",
    ]
    assert LostReason.objects.count() == 4
    statuses = Counter(Deal.objects.values_list("status", flat=True))
    assert sum(statuses.values()) == 40
    assert set(statuses) == {"open", "won", "lost"}
    for deal in Deal.objects.all():  # every history is a chain from the opening to the stage
        path = list(StageChange.objects.filter(deal=deal).order_by("id"))
        assert path[0].from_stage_id is None
        assert all(a.to_stage_id == b.from_stage_id for a, b in itertools.pairwise(path))
        assert path[-1].to_stage_id == deal.stage_id
        assert (deal.closed_at is None) == (deal.status == "open")
        assert deal.created_at < datetime.datetime.now(tz=datetime.UTC)
    assert Interaction.objects.filter(link_type="deal").count() == StageChange.objects.count()
    again = seed_sales(seed=3)
    assert (again.pipelines, again.deals, Deal.objects.count()) == (0, 0, 40)
    assert Customer.objects.filter(deals__isnull=False).distinct().count() == 40
