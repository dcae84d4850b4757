"""Deals through their services: creation with priced lines, the one stage change and its rules,
closing and reopening, history, audit, events and the customer's timeline."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.catalogue.models import PriceList, PriceListItem
from heartline.core.models import AuditEntry, OutboxEvent
from heartline.sales import services
from heartline.sales.lines import DealLineInput, deal_totals
from heartline.sales.models import Deal, DealLine, StageChange
from heartline.sales.pipelines import pipeline_update, stage_create, stage_update
from heartline.sales.rules import StageRuleError
from heartline.timeline.models import Interaction
from tests.sales.conftest import stage

pytestmark = pytest.mark.django_db
D = Decimal


def _open(seller, customer, pipeline, **extra):  # type: ignore[no-untyped-def]
    return services.deal_create(
        actor=seller, customer=customer, title="Scanners for 5 shops", pipeline=pipeline, **extra
    )


def test_create_opens_the_deal_in_the_first_stage_with_history_audit_event_and_timeline(
    seller, customer, pipeline
):
    deal = _open(seller, customer, pipeline, amount="12000.005")
    deal.refresh_from_db()
    lead = stage(pipeline, "Lead")
    assert (deal.stage_id, deal.status, deal.currency, deal.owner_id) == (
        lead.pk,
        "open",
        "CNY",
        seller.pk,
    )
    assert deal.amount == D("12000.0100")  # rounded half up to the fen
    assert deal.rank == 0
    assert deal.closed_at is None
    change = StageChange.objects.get(deal=deal)
    assert (change.from_stage_id, change.to_stage_id, change.by_id, change.via) == (
        None,
        lead.pk,
        seller.pk,
        "form",
    )
    entry = AuditEntry.objects.get(object_type="sales.deal", object_id=str(deal.pk))
    assert entry.action == "create"
    assert entry.changes["stage"] == [None, lead.pk]
    assert entry.changes["amount"] == [None, "12000.01"]
    event = OutboxEvent.objects.get(type="deal.created")
    assert event.payload == {
        "deal_id": deal.pk,
        "customer_id": customer.pk,
        "pipeline_id": pipeline.pk,
    }
    assert event.groups == [f"pipeline.{pipeline.pk}", f"customer.{customer.pk}"]
    row = Interaction.objects.get(link_type="deal", link_id=str(deal.pk))
    assert (row.channel, row.direction, row.topic, row.staff_id, row.source) == (
        "system",
        "internal",
        "Deal opened",
        seller.pk,
        "sales",
    )
    assert row.summary == "Deal “Scanners for 5 shops” opened in New business, stage “Lead”."
    assert row.source_ref == f"stage_change:{change.pk}"


def test_new_deals_go_on_top_of_the_first_column(seller, customer, pipeline):
    first = _open(seller, customer, pipeline)
    second = _open(seller, customer, pipeline)
    assert (first.rank, second.rank) == (0, -65536)


def test_lines_are_priced_by_the_catalogue_and_the_amount_is_their_net_total(
    seller, customer, pipeline, product
):
    deal = _open(
        seller,
        customer,
        pipeline,
        amount="1",  # replaced by the lines' net total
        lines=[
            DealLineInput(quantity=12, product_id=product.pk),  # 900.00 from 10 pieces
            DealLineInput(
                quantity="2.5", description="Installation", unit_price="333.33", discount_percent=10
            ),
        ],
    )
    lines = list(DealLine.objects.filter(deal=deal).order_by("position"))
    assert [(x.description, x.quantity, x.unit_price, x.tax_rate) for x in lines] == [
        ("Scanner", D("12.000"), D("900.0000"), D("0.1300")),
        ("Installation", D("2.500"), D("333.3300"), D("0.0000")),
    ]
    totals = deal_totals(deal)
    # 12 × 900 = 10,800.00; 2.5 × 333.33 = 833.325 → 833.33, less 10 % (83.33) = 750.00
    assert (totals.gross, totals.discount, totals.net, totals.tax, totals.total) == (
        D("11633.33"),
        D("83.33"),
        D("11550.00"),
        D("1404.00"),
        D("12954.00"),
    )
    deal.refresh_from_db()
    assert deal.amount == D("11550.0000")


def test_tax_inclusive_list_prices_are_converted_to_the_deals_convention(
    seller, customer, pipeline, product
):
    PriceList.objects.update(priority=200)
    retail = PriceList.objects.create(name="Retail", currency="CNY", tax_inclusive=True, priority=1)
    PriceListItem.objects.create(price_list=retail, product=product, unit_price=D("1130"))
    deal = _open(
        seller, customer, pipeline, lines=[DealLineInput(quantity=1, product_id=product.pk)]
    )
    assert DealLine.objects.get(deal=deal).unit_price == D("1000.0000")
    assert deal_totals(deal).total == D("1130.00")
    inclusive = _open(
        seller,
        customer,
        pipeline,
        tax_inclusive=True,
        lines=[DealLineInput(quantity=1, product_id=product.pk)],
    )
    assert DealLine.objects.get(deal=inclusive).unit_price == D("1130.0000")
    assert (deal_totals(inclusive).net, inclusive.amount) == (D("1000.00"), D("1000.00"))


def test_a_product_without_a_price_in_the_deal_currency_is_refused_whole(
    seller, customer, pipeline, product
):
    with pytest.raises(ValidationError) as caught:
        _open(
            seller,
            customer,
            pipeline,
            currency="usd",
            lines=[DealLineInput(quantity=1, product_id=product.pk)],
        )
    today = datetime.date.today().isoformat()
    assert caught.value.message_dict == {"lines[0]": [f"HL-100 has no price in USD on {today}."]}
    assert Deal.objects.count() == 0
    assert Interaction.objects.count() == 0


def test_move_records_history_audit_event_and_timeline(seller, customer, pipeline):
    deal = _open(seller, customer, pipeline)
    qualified = stage(pipeline, "Qualified")
    services.deal_move(actor=seller, deal=deal, to_stage=qualified, via="board")
    deal.refresh_from_db()
    assert (deal.stage_id, deal.status, deal.closed_at) == (qualified.pk, "open", None)
    change = StageChange.objects.filter(deal=deal).latest("id")
    assert (change.from_stage_id, change.to_stage_id, change.via, change.by_id) == (
        stage(pipeline, "Lead").pk,
        qualified.pk,
        "board",
        seller.pk,
    )
    assert deal.stage_entered_at == change.at
    entry = AuditEntry.objects.filter(object_type="sales.deal", action="update").get()
    assert entry.changes == {
        "stage": [stage(pipeline, "Lead").pk, qualified.pk],
        "via": [None, "board"],
    }
    event = OutboxEvent.objects.get(type="deal.stage_changed")
    assert event.payload == {
        "deal_id": deal.pk,
        "customer_id": customer.pk,
        "pipeline_id": pipeline.pk,
        "stage_change_id": change.pk,
        "from_stage_id": stage(pipeline, "Lead").pk,
        "to_stage_id": qualified.pk,
        "status": "open",
        "via": "board",
    }
    assert event.groups == [f"pipeline.{pipeline.pk}", f"customer.{customer.pk}"]
    row = Interaction.objects.get(source_ref=f"stage_change:{change.pk}")
    assert (row.topic, row.summary, row.link_id) == (
        "Deal moved",
        "“Scanners for 5 shops”: Lead → Qualified.",
        str(deal.pk),
    )


def _snapshot(deal: Deal) -> tuple:
    deal.refresh_from_db()
    return (
        deal.stage_id,
        deal.status,
        deal.closed_at,
        deal.lost_reason_id,
        deal.rank,
        StageChange.objects.count(),
        Interaction.objects.count(),
        OutboxEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_required_fields_of_the_target_stage_are_named(seller, customer, pipeline):
    deal = _open(seller, customer, pipeline)
    before = _snapshot(deal)
    with pytest.raises(StageRuleError) as caught:
        services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Proposal"), via="api")
    assert caught.value.messages == [
        "Before a deal enters “Proposal”, fill in: amount, expected close date."
    ]
    assert caught.value.details == {
        "rule": "required_fields",
        "fields": ["amount", "expected_close"],
    }
    assert _snapshot(deal) == before
    services.deal_update(actor=seller, deal=deal, amount=D("500"))
    with pytest.raises(StageRuleError, match="fill in: expected close date\\."):
        services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Proposal"), via="api")
    services.deal_update(actor=seller, deal=deal, expected_close=datetime.date(2027, 3, 31))
    services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Proposal"), via="api")
    assert Deal.objects.get(pk=deal.pk).stage == stage(pipeline, "Proposal")


def test_owner_and_lines_and_competitors_can_be_required(seller, customer, pipeline, product):
    demo = stage_create(
        actor=None,
        pipeline=pipeline,
        name_en="Demo",
        required_fields=["lines", "competitors", "owner"],
        position=2,
    )
    deal = _open(seller, customer, pipeline, owner=None)
    with pytest.raises(StageRuleError) as caught:
        services.deal_move(actor=seller, deal=deal, to_stage=demo, via="form")
    assert caught.value.messages == [
        "Before a deal enters “Demo”, fill in: owner, products (at least one line), competitors."
    ]
    services.deal_update(
        actor=seller,
        deal=deal,
        owner=seller,
        competitors=["Acme", " Acme ", "Zebra"],
        lines=[DealLineInput(quantity=1, product_id=product.pk)],
    )
    services.deal_move(actor=seller, deal=deal, to_stage=demo, via="form")
    deal.refresh_from_db()
    assert (deal.stage_id, deal.competitors, deal.amount) == (demo.pk, ["Acme", "Zebra"], D("1000"))


def test_no_skipping_forward_but_backward_and_losing_are_allowed(
    seller, customer, make_pipeline, lost_reason
):
    pipeline = make_pipeline(no_skipping=True)
    deal = _open(seller, customer, pipeline, amount=100, expected_close=datetime.date(2027, 1, 1))
    before = _snapshot(deal)
    with pytest.raises(StageRuleError) as caught:
        services.deal_move(
            actor=seller, deal=deal, to_stage=stage(pipeline, "Proposal"), via="board"
        )
    assert caught.value.messages == [
        "This pipeline moves deals one stage at a time: move the deal to “Qualified” before "
        "“Proposal”."
    ]
    assert caught.value.details == {
        "rule": "no_skipping",
        "stage_id": stage(pipeline, "Qualified").pk,
    }
    with pytest.raises(StageRuleError, match="move the deal to “Qualified” before “Won”"):
        services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Won"), via="board")
    assert _snapshot(deal) == before
    for name in ("Qualified", "Proposal", "Lead", "Qualified", "Proposal", "Won"):
        services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, name), via="board")
    other = _open(seller, customer, pipeline)
    services.deal_move(
        actor=seller,
        deal=other,
        to_stage=stage(pipeline, "Lost"),
        via="board",
        lost_reason=lost_reason,
    )
    assert Deal.objects.get(pk=other.pk).status == "lost"
    path = list(
        StageChange.objects.filter(deal=deal)
        .order_by("id")
        .values_list("to_stage__name_en", flat=True)
    )
    assert path == ["Lead", "Qualified", "Proposal", "Lead", "Qualified", "Proposal", "Won"]


def test_won_closes_lost_needs_a_reason_and_reopening_clears_both(
    seller, customer, pipeline, lost_reason
):
    deal = _open(seller, customer, pipeline)
    services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Won"), via="form")
    deal.refresh_from_db()
    assert deal.status == "won"
    assert deal.closed_at == deal.stage_entered_at
    assert Interaction.objects.filter(topic="Deal won").count() == 1

    before = _snapshot(deal)
    with pytest.raises(StageRuleError) as caught:
        services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Lost"), via="form")
    assert caught.value.messages == ["Choose why the deal was lost before moving it to “Lost”."]
    assert _snapshot(deal) == before
    services.deal_move(
        actor=seller,
        deal=deal,
        to_stage=stage(pipeline, "Lost"),
        via="form",
        lost_reason=lost_reason,
        lost_note="went with the cheaper offer",
    )
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason_id, deal.lost_note) == (
        "lost",
        lost_reason.pk,
        "went with the cheaper offer",
    )
    lost_row = Interaction.objects.get(topic="Deal lost")
    assert lost_row.summary == "“Scanners for 5 shops”: Won → Lost. Lost because: Price too high."

    services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Lead"), via="form")
    deal.refresh_from_db()
    assert (deal.status, deal.closed_at, deal.lost_reason_id, deal.lost_note) == (
        "open",
        None,
        None,
        "",
    )
    assert Interaction.objects.filter(topic="Deal reopened").count() == 1
    assert StageChange.objects.filter(deal=deal).count() == 4


def test_a_lost_reason_only_with_a_lost_stage_and_a_stage_of_the_same_pipeline(
    seller, customer, pipeline, make_pipeline, lost_reason
):
    deal = _open(seller, customer, pipeline)
    other = make_pipeline(name="Renewals")
    before = _snapshot(deal)
    with pytest.raises(StageRuleError, match="only when a deal moves to a lost stage"):
        services.deal_move(
            actor=seller,
            deal=deal,
            to_stage=stage(pipeline, "Won"),
            via="api",
            lost_reason=lost_reason,
        )
    with pytest.raises(StageRuleError) as caught:
        services.deal_move(actor=seller, deal=deal, to_stage=stage(other, "Qualified"), via="api")
    assert caught.value.messages == [
        "The stage “Qualified” belongs to another pipeline than this deal's."
    ]
    assert _snapshot(deal) == before


def test_create_into_a_later_stage_goes_through_the_rules_and_writes_nothing_when_refused(
    seller, customer, make_pipeline
):
    pipeline = make_pipeline(no_skipping=True)
    counts = (Deal.objects.count(), Interaction.objects.count(), AuditEntry.objects.count())
    with pytest.raises(StageRuleError, match="move the deal to “Qualified” before “Proposal”"):
        _open(seller, customer, pipeline, stage=stage(pipeline, "Proposal"), amount=5)
    assert (Deal.objects.count(), Interaction.objects.count(), AuditEntry.objects.count()) == counts
    deal = _open(seller, customer, pipeline, stage=stage(pipeline, "Qualified"), via="import")
    assert list(
        StageChange.objects.filter(deal=deal).values_list(
            "from_stage__name_en", "to_stage__name_en", "via"
        )
    ) == [(None, "Lead", "import"), ("Lead", "Qualified", "import")]


def test_without_deals_edit_nothing_is_written(staff_by_role, customer, pipeline, seller):
    deal = _open(seller, customer, pipeline)
    before = _snapshot(deal)
    for role in ("agent", "marketing", "analyst"):
        user = staff_by_role[role]
        with pytest.raises(PermissionDenied):
            services.deal_move(
                actor=user, deal=deal, to_stage=stage(pipeline, "Qualified"), via="api"
            )
        with pytest.raises(PermissionDenied):
            services.deal_update(actor=user, deal=deal, title="x")
        with pytest.raises(PermissionDenied):
            _open(user, customer, pipeline)
    assert _snapshot(deal) == before
    assert Deal.objects.count() == 1


def test_an_update_may_not_empty_what_the_current_stage_requires(seller, customer, pipeline):
    deal = _open(seller, customer, pipeline, amount=10, expected_close=datetime.date(2027, 5, 1))
    services.deal_move(actor=seller, deal=deal, to_stage=stage(pipeline, "Proposal"), via="form")
    with pytest.raises(ValidationError) as caught:
        services.deal_update(actor=seller, deal=deal, amount=None, title="Renamed")
    assert caught.value.message_dict == {
        "amount": ["“Proposal” requires amount: it stays filled while the deal is there."]
    }
    assert Deal.objects.get(pk=deal.pk).title == "Scanners for 5 shops"
    services.deal_update(actor=seller, deal=deal, amount="20", title="Renamed")
    entry = AuditEntry.objects.filter(object_type="sales.deal", action="update").latest("id")
    assert entry.changes == {
        "amount": ["10.00", "20.00"],
        "title": ["Scanners for 5 shops", "Renamed"],
    }
    assert OutboxEvent.objects.filter(type="deal.changed").get().payload["fields"] == [
        "amount",
        "title",
    ]


def test_the_amount_of_a_deal_with_lines_is_not_typed(seller, customer, pipeline, product):
    deal = _open(
        seller, customer, pipeline, lines=[DealLineInput(quantity=2, product_id=product.pk)]
    )
    with pytest.raises(ValidationError) as caught:
        services.deal_update(actor=seller, deal=deal, amount="5")
    assert caught.value.message_dict == {
        "amount": ["This deal has lines: its amount is their net total."]
    }
    services.deal_update(actor=seller, deal=deal, lines=[])
    deal.refresh_from_db()
    assert (deal.amount, deal.lines.count()) == (D("2000.0000"), 0)  # the last net total stays


def test_cards_keep_their_place_between_neighbours(seller, customer, pipeline):
    lead = stage(pipeline, "Lead")
    a, b, c = (_open(seller, customer, pipeline) for _ in range(3))  # c on top: c, b, a

    def order() -> list[int]:
        return list(
            Deal.objects.filter(stage=lead).order_by("rank", "id").values_list("id", flat=True)
        )

    assert order() == [c.pk, b.pk, a.pk]
    services.deal_move(actor=seller, deal=c, to_stage=lead, via="board", after=a.pk)
    assert order() == [b.pk, a.pk, c.pk]
    services.deal_move(actor=seller, deal=a, to_stage=lead, via="board", before=b.pk)
    assert order() == [a.pk, b.pk, c.pk]
    assert StageChange.objects.count() == 3  # reordering is no stage change
    assert OutboxEvent.objects.filter(type="deal.changed").count() == 2
    assert OutboxEvent.objects.filter(type="deal.changed").first().groups == [
        f"pipeline.{pipeline.pk}"
    ]
    # no room left between two neighbours: the lower part of the column shifts
    Deal.objects.filter(pk=a.pk).update(rank=5)
    Deal.objects.filter(pk=b.pk).update(rank=6)
    Deal.objects.filter(pk=c.pk).update(rank=7)
    d = _open(seller, customer, pipeline)
    services.deal_move(actor=seller, deal=d, to_stage=lead, via="board", after=a.pk)
    assert order() == [a.pk, d.pk, b.pk, c.pk]
    assert list(
        Deal.objects.filter(stage=lead).order_by("rank").values_list("rank", flat=True)
    ) == [
        5,
        5 + 65536,
        6 + 2 * 65536,
        7 + 2 * 65536,
    ]


def test_pipeline_and_stage_configuration_is_checked(seller, pipeline, customer):
    with pytest.raises(PermissionDenied):
        pipeline_update(actor=seller, pipeline=pipeline, no_skipping=True)
    with pytest.raises(ValidationError) as caught:
        stage_create(actor=None, pipeline=pipeline, name_en="X", required_fields=["colour"])
    assert caught.value.message_dict == {
        "required_fields": [
            "Unknown fields: colour. A stage may require: amount, expected_close, owner, lines, "
            "competitors, lost_reason."
        ]
    }
    with pytest.raises(ValidationError, match="0–100"):
        stage_create(actor=None, pipeline=pipeline, name_en="X", probability=101)
    with pytest.raises(ValidationError, match="won stage has probability 100"):
        stage_create(actor=None, pipeline=pipeline, name_en="X", kind="won", probability=50)
    _open(seller, customer, pipeline)
    with pytest.raises(ValidationError, match="Move the deals out of this stage"):
        stage_update(actor=None, stage=stage(pipeline, "Lead"), kind="won")
    updated = stage_update(
        actor=None, stage=stage(pipeline, "Qualified"), required_fields=["lines", "amount"]
    )
    assert updated.required_fields == ["amount", "lines"]
