"""Two moves of one deal at once; the deals section of the customer 360; merging moves deals."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from heartline.customers.merge import customer_merge, merge_undo
from heartline.sales import services
from heartline.sales.models import Deal, StageChange
from heartline.sales.selectors import open_deals_of_customer
from heartline.timeline.selectors import customer_360
from tests.sales.conftest import stage


@pytest.mark.django_db(transaction=True)
def test_two_moves_of_one_deal_run_one_after_the_other(seller, customer, pipeline):
    deal = services.deal_create(actor=seller, customer=customer, title="Kiosks", pipeline=pipeline)
    first_moved = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                services.deal_move(
                    actor=seller, deal=deal, to_stage=stage(pipeline, "Qualified"), via="board"
                )
                first_moved.set()
                time.sleep(0.4)  # hold the row lock while the second move starts
        except BaseException as exc:  # pragma: no cover — reported below
            errors.append(exc)
        finally:
            first_moved.set()
            connection.close()

    def second() -> None:
        try:
            first_moved.wait(5)
            services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Won"), via="api")
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    path = list(
        StageChange.objects.filter(deal=deal)
        .order_by("id")
        .values_list("from_stage__name_en", "to_stage__name_en", "via")
    )
    # the second move saw what the first left: its history starts where the first ended
    assert path == [
        (None, "Lead", "form"),
        ("Lead", "Qualified", "board"),
        ("Qualified", "Won", "api"),
    ]
    deal.refresh_from_db()
    assert (deal.stage.name_en, deal.status) == ("Won", "won")


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_move_is_checked_against_the_state_the_first_left(
    seller, customer, make_pipeline
):
    pipeline = make_pipeline(no_skipping=True)
    deal = services.deal_create(actor=seller, customer=customer, title="Tills", pipeline=pipeline)
    first_moved = threading.Event()
    outcome: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                services.deal_move(
                    actor=seller,
                    deal=deal,
                    to_stage=stage(pipeline, "Lead"),
                    via="board",
                    position="bottom",
                )
                # a reorder only; then the real move
                services.deal_move(
                    actor=seller, deal=deal, to_stage=stage(pipeline, "Qualified"), via="board"
                )
                first_moved.set()
                time.sleep(0.3)
        finally:
            first_moved.set()
            connection.close()

    def second() -> None:
        # This user still sees the deal in "Lead" and moves it to "Qualified" as well: after
        # the first move it is a move from Qualified to Qualified, a mere reorder.
        try:
            first_moved.wait(5)
            services.deal_move(
                actor=seller, deal=deal, to_stage=stage(pipeline, "Qualified"), via="api"
            )
            outcome.append("ok")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcome == ["ok"]
    assert StageChange.objects.filter(deal=deal).count() == 2  # opened, Lead → Qualified once


@pytest.mark.django_db
def test_the_360_lists_the_customers_open_deals(
    seller, customer, pipeline, make_customer, django_assert_num_queries
):
    older = services.deal_create(
        actor=seller,
        customer=customer,
        title="Renewal 2027",
        pipeline=pipeline,
        amount="8800",
        expected_close=datetime.date(2027, 2, 1),
    )
    newer = services.deal_create(
        actor=seller, customer=customer, title="Upgrade", pipeline=pipeline
    )
    won = services.deal_create(actor=seller, customer=customer, title="Won one", pipeline=pipeline)
    services.deal_move(actor=seller, deal=won, to_stage=stage(pipeline, "Won"), via="form")
    services.deal_create(
        actor=seller,
        customer=make_customer("李娜", "13900139000"),
        title="Not hers",
        pipeline=pipeline,
    )
    lead = stage(pipeline, "Lead")
    with django_assert_num_queries(1):
        section = open_deals_of_customer(customer.pk)
    assert section == [
        {
            "id": newer.pk,
            "title": "Upgrade",
            "amount": None,
            "currency": "CNY",
            "expected_close": None,
            "pipeline_id": pipeline.pk,
            "stage_id": lead.pk,
            "stage__name_en": "Lead",
            "stage__name_zh": "线索",
            "stage__probability": 10,
            "owner_id": seller.pk,
        },
        {
            "id": older.pk,
            "title": "Renewal 2027",
            "amount": Decimal("8800.0000"),
            "currency": "CNY",
            "expected_close": datetime.date(2027, 2, 1),
            "pipeline_id": pipeline.pk,
            "stage_id": lead.pk,
            "stage__name_en": "Lead",
            "stage__name_zh": "线索",
            "stage__probability": 10,
            "owner_id": seller.pk,
        },
    ]
    assert customer_360(seller, customer.pk)["sections"]["deals"] == section


@pytest.mark.django_db
def test_merging_customers_moves_their_deals_and_undo_moves_them_back(
    seller, staff_by_role, customer, make_customer, pipeline
):
    twin = make_customer("张伟", "13700137000")
    kept = services.deal_create(actor=seller, customer=customer, title="Kept", pipeline=pipeline)
    moved = services.deal_create(actor=seller, customer=twin, title="Moved", pipeline=pipeline)
    merge = customer_merge(actor=staff_by_role["manager"], survivor=customer, duplicate=twin)
    assert dict(Deal.objects.values_list("title", "customer_id")) == {
        "Kept": customer.pk,
        "Moved": customer.pk,
    }
    assert merge.record["moved"]["sales.Deal"] == [moved.pk]
    assert [d["title"] for d in open_deals_of_customer(customer.pk)] == ["Moved", "Kept"]
    merge_undo(actor=staff_by_role["manager"], merge=merge)
    assert dict(Deal.objects.values_list("title", "customer_id")) == {
        "Kept": customer.pk,
        "Moved": twin.pk,
    }
    assert kept.pk != moved.pk
