"""The pipeline's rules are enforced identically from the board, the API and the CSV import:
the same message, nothing changed, no stage change recorded."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client

from heartline.accounts import services as accounts
from heartline.core.models import AuditEntry
from heartline.sales import services
from heartline.sales.imports import csv_records, deal_import
from heartline.sales.models import Deal, StageChange
from heartline.timeline.models import Interaction
from tests.sales.conftest import stage

pytestmark = pytest.mark.django_db

SKIP = (
    "This pipeline moves deals one stage at a time: move the deal to “Qualified” before “Proposal”."
)
RULES = {
    "required field missing": (
        "New business",
        "Proposal",
        {},
        "Before a deal enters “Proposal”, fill in: amount, expected close date.",
    ),
    "skipping when no_skipping": (
        "Strict",
        "Proposal",
        {"amount": Decimal("800"), "expected_close": datetime.date(2027, 6, 30)},
        SKIP,
    ),
    "lost without a reason": (
        "New business",
        "Lost",
        {},
        "Choose why the deal was lost before moving it to “Lost”.",
    ),
}


def via_board(seller, deal, target) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(seller)
    response = client.post(f"/deals/{deal.pk}/move/", {"stage": target.pk}, HTTP_HX_REQUEST="true")
    # an expected outcome on the board: nothing to swap, the event with the rule's message
    assert (response.status_code, response["HX-Reswap"], response.content) == (200, "none", b"")
    return str(json.loads(response["HX-Trigger"])["deal-move-refused"]["message"])


def via_api(seller, deal, target) -> str:  # type: ignore[no-untyped-def]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {TOKENS[seller.pk]}").post(
        f"/api/v1/deals/{deal.pk}/move",
        json.dumps({"stage_id": target.pk}),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "stage_rule"
    return str(body["message"])


def via_import(seller, deal, target) -> str:  # type: ignore[no-untyped-def]
    text = (
        "customer,title,pipeline,stage,deal_id\n"
        f"#{deal.customer_id},{deal.title},{deal.pipeline.name_en},{target.name_en},{deal.pk}\n"
    )
    report = deal_import(actor=seller, records=csv_records(text.encode()), dry_run=False)
    assert [(r.row, r.status, r.deal_id) for r in report.results] == [(1, "rejected", None)]
    return report.results[0].reason


ENTRY_POINTS = {"board": via_board, "api": via_api, "import": via_import}
TOKENS: dict[int, str] = {}


def _state(deal: Deal) -> tuple:
    deal.refresh_from_db()
    return (
        deal.stage_id,
        deal.status,
        deal.amount,
        deal.closed_at,
        deal.rank,
        StageChange.objects.count(),
        Interaction.objects.count(),
        AuditEntry.objects.filter(action__in=["create", "update"]).count(),
    )


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("rule", RULES)
def test_a_rule_refuses_the_same_way_from_every_entry_point(
    rule, entry, seller, customer, make_pipeline
):
    pipeline_name, target_name, fields, message = RULES[rule]
    pipeline = make_pipeline(name=pipeline_name, no_skipping=pipeline_name == "Strict")
    deal = services.deal_create(
        actor=seller, customer=customer, title="Kiosks", pipeline=pipeline, **fields
    )
    TOKENS[seller.pk] = accounts.api_token_create(actor=None, user=seller, name="t")[1]
    before = _state(deal)
    assert ENTRY_POINTS[entry](seller, deal, stage(pipeline, target_name)) == message
    assert _state(deal) == before


def test_the_same_moves_pass_everywhere_once_the_rule_is_met(seller, customer, make_pipeline):
    pipeline = make_pipeline()
    deals = [
        services.deal_create(
            actor=seller,
            customer=customer,
            title=f"Kiosks {n}",
            pipeline=pipeline,
            amount="100",
            expected_close=datetime.date(2027, 1, 1),
        )
        for n in range(3)
    ]
    proposal = stage(pipeline, "Proposal")
    client = Client()
    client.force_login(seller)
    assert (
        client.post(f"/deals/{deals[0].pk}/move/", {"stage": proposal.pk}, HTTP_HX_REQUEST="true")
    ).status_code == 200
    token = accounts.api_token_create(actor=None, user=seller, name="t")[1]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/deals/{deals[1].pk}/move",
        json.dumps({"stage_id": proposal.pk}),
        content_type="application/json",
    )
    assert api.status_code == 200
    text = f"customer,title,pipeline,stage\n#{customer.pk},Kiosks 2,New business,Proposal\n"
    report = deal_import(actor=seller, records=csv_records(text.encode()), dry_run=False)
    assert [(r.status, r.deal_id) for r in report.results] == [("moved", deals[2].pk)]
    assert list(
        StageChange.objects.filter(to_stage=proposal)
        .order_by("deal_id")
        .values_list("via", flat=True)
    ) == ["board", "api", "import"]
