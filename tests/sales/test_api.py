"""The pipelines and deals API: lists with filters, create, read, patch, move, history."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client

from heartline.sales import services
from heartline.sales.models import Deal, StageChange
from tests.api.conftest import error
from tests.sales.conftest import stage

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict) -> object:
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body: dict) -> object:
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_pipelines_with_their_stages_and_lost_reasons(api_client, seller, pipeline, lost_reason):
    client = api_client(seller)
    body = client.get("/api/v1/pipelines").json()
    assert [p["name"] for p in body["items"]] == ["New business"]
    assert body["items"][0]["stages"] == [
        {
            "id": s.pk,
            "name": s.name_en,
            "name_en": s.name_en,
            "name_zh": s.name_zh,
            "position": s.position,
            "kind": s.kind,
            "probability": s.probability,
            "required_fields": s.required_fields,
        }
        for s in pipeline.stages.order_by("position")
    ]
    assert [s["required_fields"] for s in body["items"][0]["stages"]] == [
        [],
        ["owner"],
        ["amount", "expected_close"],
        [],
        [],
    ]
    one = client.get(f"/api/v1/pipelines/{pipeline.pk}").json()
    assert (one["currency"], one["no_skipping"]) == ("CNY", False)
    assert client.get("/api/v1/lost-reasons").json() == {
        "items": [
            {
                "id": lost_reason.pk,
                "name": "Price too high",
                "name_en": "Price too high",
                "name_zh": "价格太高",
            }
        ]
    }


def test_create_read_patch_with_lines_priced_by_the_catalogue(
    api_client, seller, customer, pipeline, product
):
    client = api_client(seller)
    response = post(
        client,
        "/api/v1/deals",
        {
            "customer_id": customer.pk,
            "title": "Scanners",
            "pipeline_id": pipeline.pk,
            "expected_close": "2027-03-31",
            "competitors": ["Acme"],
            "lines": [
                {"product_id": product.pk, "quantity": "12"},
                {
                    "description": "Training",
                    "quantity": "1",
                    "unit_price": "500.00",
                    "discount_percent": "10",
                },
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    deal = Deal.objects.get()
    assert body["id"] == deal.pk
    assert (body["stage_id"], body["status"], body["owner_id"], body["currency"]) == (
        stage(pipeline, "Lead").pk,
        "open",
        seller.pk,
        "CNY",
    )
    assert body["amount"] == "11250.00"
    assert body["totals"] == {
        "gross": "11300.00",
        "discount": "50.00",
        "net": "11250.00",
        "tax": "1404.00",
        "total": "12654.00",
    }
    assert [
        (x["description"], x["quantity"], x["unit_price"], x["net"]) for x in body["lines"]
    ] == [
        ("Scanner", "12", "900.0000", "10800.00"),
        ("Training", "1", "500.0000", "450.00"),
    ]
    assert client.get(f"/api/v1/deals/{deal.pk}").json() == body

    changed = patch(client, f"/api/v1/deals/{deal.pk}", {"title": "Scanners ×12", "lines": []})
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["lines"], changed.json()["totals"]) == (
        "Scanners ×12",
        [],
        None,
    )
    typed = patch(client, f"/api/v1/deals/{deal.pk}", {"amount": "99.5", "expected_close": None})
    assert (typed.json()["amount"], typed.json()["expected_close"]) == ("99.50", None)
    assert patch(client, f"/api/v1/deals/{deal.pk}", {"title": None}).json() == error(
        "bad_request", "The request is not valid.", {"title": ["This field cannot be emptied."]}
    )


def test_amounts_are_strings_never_floats(api_client, seller, customer, pipeline):
    response = post(
        api_client(seller),
        "/api/v1/deals",
        {"customer_id": customer.pk, "title": "X", "amount": 12.5},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["message"] == (
        'Value error, Write the number as a string like "12800.00".'
    )
    assert Deal.objects.count() == 0


def test_list_filters(api_client, seller, customer, make_customer, pipeline, lost_reason):
    other = make_customer("李娜", "13900139000", name_latin="Li Na")
    a = services.deal_create(
        actor=seller,
        customer=customer,
        title="Kiosks Shanghai",
        pipeline=pipeline,
        expected_close=datetime.date(2027, 1, 15),
    )
    b = services.deal_create(
        actor=seller,
        customer=other,
        title="Tills",
        pipeline=pipeline,
        expected_close=datetime.date(2027, 2, 15),
        owner=None,
    )
    services.deal_move(
        actor=seller, deal=b, to_stage=stage(pipeline, "Lost"), via="api", lost_reason=lost_reason
    )
    client = api_client(seller)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/deals?{query}")
        assert response.status_code == 200, response.content
        return [d["id"] for d in response.json()["items"]]

    assert ids("") == [b.pk, a.pk]
    assert ids("status=open") == [a.pk]
    assert ids(f"stage_id={stage(pipeline, 'Lost').pk}") == [b.pk]
    assert ids(f"owner_id={seller.pk}") == [a.pk]
    assert ids(f"customer_id={other.pk}") == [b.pk]
    assert ids("close_from=2027-02-01") == [b.pk]
    assert ids("close_to=2027-02-01&pipeline_id=" + str(pipeline.pk)) == [a.pk]
    assert ids("q=kiosk") == [a.pk]
    assert ids("q=li%20na") == [b.pk]  # the customer's name, folded
    assert ids("q=张") == [a.pk]
    assert ids("limit=1") == [b.pk]


def test_move_answers_the_deal_or_400_with_the_rule(
    api_client, seller, customer, pipeline, lost_reason
):
    deal = services.deal_create(actor=seller, customer=customer, title="Kiosks", pipeline=pipeline)
    client = api_client(seller)
    refused = post(
        client, f"/api/v1/deals/{deal.pk}/move", {"stage_id": stage(pipeline, "Proposal").pk}
    )
    assert refused.status_code == 400
    assert refused.json() == error(
        "stage_rule",
        "Before a deal enters “Proposal”, fill in: amount, expected close date.",
        {"rule": "required_fields", "fields": ["amount", "expected_close"]},
    )
    lost = post(client, f"/api/v1/deals/{deal.pk}/move", {"stage_id": stage(pipeline, "Lost").pk})
    assert (
        lost.json()["error"]["message"]
        == "Choose why the deal was lost before moving it to “Lost”."
    )
    moved = post(
        client,
        f"/api/v1/deals/{deal.pk}/move",
        {
            "stage_id": stage(pipeline, "Lost").pk,
            "lost_reason_id": lost_reason.pk,
            "lost_note": "budget",
        },
    )
    assert moved.status_code == 200
    assert (moved.json()["status"], moved.json()["lost_reason_id"], moved.json()["lost_note"]) == (
        "lost",
        lost_reason.pk,
        "budget",
    )
    history = client.get(f"/api/v1/deals/{deal.pk}/stage-changes").json()["items"]
    assert [(h["from_stage_id"], h["to_stage_id"], h["via"], h["by_id"]) for h in history] == [
        (None, stage(pipeline, "Lead").pk, "form", seller.pk),
        (stage(pipeline, "Lead").pk, stage(pipeline, "Lost").pk, "api", seller.pk),
    ]
    unknown = post(client, f"/api/v1/deals/{deal.pk}/move", {"stage_id": 999999})
    assert unknown.json() == error(
        "bad_request", "The request is not valid.", {"stage_id": ["There is no such stage."]}
    )
    assert (
        post(
            client, "/api/v1/deals/999999/move", {"stage_id": stage(pipeline, "Lead").pk}
        ).status_code
        == 404
    )


def test_create_into_a_stage_goes_through_the_rules(api_client, seller, customer, pipeline):
    client = api_client(seller)
    refused = post(
        client,
        "/api/v1/deals",
        {"customer_id": customer.pk, "title": "X", "stage_id": stage(pipeline, "Proposal").pk},
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "stage_rule"
    assert (Deal.objects.count(), StageChange.objects.count()) == (0, 0)
    created = post(
        client,
        "/api/v1/deals",
        {
            "customer_id": customer.pk,
            "title": "X",
            "stage_id": stage(pipeline, "Proposal").pk,
            "amount": "10",
            "expected_close": "2027-01-01",
        },
    )
    assert created.status_code == 201
    assert created.json()["stage_id"] == stage(pipeline, "Proposal").pk


def test_permissions_and_csrf(api_client, staff_by_role, customer, pipeline, client_for):
    seller = staff_by_role["sales"]
    deal = services.deal_create(actor=seller, customer=customer, title="Kiosks", pipeline=pipeline)
    move = {"stage_id": stage(pipeline, "Qualified").pk}
    for role in ("agent", "marketing", "analyst"):
        client = api_client(staff_by_role[role])
        assert client.get("/api/v1/deals").status_code == 403
        assert post(client, f"/api/v1/deals/{deal.pk}/move", move).status_code == 403
        assert (
            post(client, "/api/v1/deals", {"customer_id": customer.pk, "title": "x"}).status_code
            == 403
        )
    assert StageChange.objects.count() == 1
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(seller)
    refused = post(browser, f"/api/v1/deals/{deal.pk}/move", move)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf_failed")
    assert StageChange.objects.count() == 1
    assert api_client(staff_by_role["manager"]).get("/api/v1/deals").status_code == 200
