"""The pipeline board in a real Chromium: a sales rep drags a card to the next stage and it stays
there after a reload; a drag the pipeline's rules refuse snaps back with the reason; a card
another user moves meanwhile moves on this board too (websocket group pipeline.<id>)."""

from __future__ import annotations

from typing import Any

import pytest

from heartline.customers import services as customers
from heartline.customers.services import IdentityInput
from heartline.sales import services
from heartline.sales.models import Deal, Pipeline, StageChange
from heartline.sales.pipelines import StageInput, pipeline_create
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed(seller: Any) -> tuple[Pipeline, dict[str, Deal]]:
    pipeline = pipeline_create(
        actor=None,
        name_en="New business",
        name_zh="新业务",
        stages=[
            StageInput("Lead", "线索", "open", 10),
            StageInput("Qualified", "需求确认", "open", 30, ["owner"]),
            StageInput("Proposal", "方案报价", "open", 60, ["amount", "expected_close"]),
            StageInput("Won", "赢单", "won"),
            StageInput("Lost", "输单", "lost"),
        ],
    )
    zhang = customers.customer_create(
        actor=None, identities_in=[IdentityInput("phone", "13800138000")], name_cjk="张伟"
    )
    deals = {
        title: services.deal_create(
            actor=seller, customer=zhang, title=title, pipeline=pipeline, amount=amount
        )
        for title, amount in (("Tills", None), ("Kiosks", "12000"), ("Scanners", "800"))
    }
    return pipeline, deals


def column(page: Any, pipeline: Pipeline, name: str) -> Any:
    stage = pipeline.stages.get(name_en=name)
    return page.locator(f"#cards-{stage.pk}")


def card(page: Any, title: str) -> Any:
    return page.locator(".deal-card", has_text=title)


def test_drag_a_card_to_the_next_stage_and_a_refused_drag_snaps_back(  # type: ignore[no-untyped-def]
    make_staff, asgi_server, open_page
) -> None:
    seller = off_loop(make_staff, "sales", username="sam", display_name="Sam")
    off_loop(make_staff, "manager", username="mia", display_name="Mia")
    pipeline, deals = off_loop(seed, seller)
    base = asgi_server
    stages = {s.name_en: s for s in pipeline.stages.all()}

    page: Any = open_page()
    sign_in(page, base, "sam")
    page.goto(f"{base}/deals/board/{pipeline.pk}/")
    page.wait_for_load_state("load")
    page.wait_for_function("document.body.getAttribute('data-live') === 'open'")
    page.wait_for_selector("[data-live-pipeline][data-live-state=subscribed]")
    assert column(page, pipeline, "Lead").locator(".deal-title").all_inner_texts() == [
        "Scanners",
        "Kiosks",
        "Tills",
    ]

    # Kiosks → Qualified (its owner is set): the column heads follow, the move persists.
    card(page, "Kiosks").drag_to(column(page, pipeline, "Qualified"))
    count = page.locator(f"[data-testid=column-count-{stages['Qualified'].pk}]")
    count.filter(has_text="1 deal").wait_for()
    assert page.locator(f"[data-testid=column-count-{stages['Lead'].pk}]").inner_text() == "2 deals"
    assert page.locator(f"[data-testid=column-weighted-{stages['Qualified'].pk}]").inner_text() == (
        "weighted CN¥3,600.00"
    )
    page.reload()
    page.wait_for_load_state("load")
    assert column(page, pipeline, "Qualified").locator(".deal-title").all_inner_texts() == [
        "Kiosks"
    ]
    move = off_loop(lambda: StageChange.objects.filter(deal=deals["Kiosks"]).latest("id"))
    assert (move.to_stage_id, move.via) == (stages["Qualified"].pk, "board")

    # Tills → Proposal needs an amount and a close date: refused, back in Lead, reason shown.
    card(page, "Tills").drag_to(column(page, pipeline, "Proposal"))
    message = page.locator("[data-testid=board-message]")
    message.wait_for(state="visible")
    assert message.inner_text() == (
        "Before a deal enters “Proposal”, fill in: amount, expected close date."
    )
    assert column(page, pipeline, "Lead").locator(".deal-title").all_inner_texts() == [
        "Scanners",
        "Tills",
    ]
    assert column(page, pipeline, "Proposal").locator(".deal-card").count() == 0
    assert off_loop(lambda: Deal.objects.get(pk=deals["Tills"].pk).stage_id) == stages["Lead"].pk

    # Someone else moves Scanners meanwhile: this board follows without a reload.
    off_loop(
        services.deal_move,
        actor=None,
        deal=deals["Scanners"],
        to_stage=stages["Qualified"],
        via="api",
    )
    column(page, pipeline, "Qualified").locator(".deal-card", has_text="Scanners").wait_for()
    assert column(page, pipeline, "Lead").locator(".deal-title").all_inner_texts() == ["Tills"]
