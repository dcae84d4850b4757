"""The orders API: idempotent creation, reads, the lifecycle, a customer's history, bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from heartline.core.models import AuditEntry
from heartline.orders.models import Order
from tests.api.conftest import error
from tests.orders.test_order_services import counts

pytestmark = pytest.mark.django_db

BODY: dict[str, Any] = {
    "customer": {"phone": "139 1234 5678"},
    "lines": [{"sku": "TEA-001", "quantity": 2}, {"sku": "CUP-002", "quantity": "3"}],
    "currency": "CNY",
    "idempotency_key": "shop-2024-0001",
    "source": "shop",
    "shipping_address": {"name": "李娜", "text": "上海市徐汇区漕溪北路 88 号", "country": "CN"},
}


@pytest.fixture
def rep_client(api_client, sales_rep) -> Client:  # type: ignore[no-untyped-def]
    return api_client(sales_rep)


def post(client: Client, body: Any, **headers: str) -> Any:
    return client.post(
        "/api/v1/orders", json.dumps(body), content_type="application/json", headers=headers
    )


def test_create_answers_201_then_200_with_the_same_order(shop, customer, rep_client):
    first = post(rep_client, BODY)
    assert first.status_code == 201, first.json()
    data = first.json()
    order = Order.objects.get()
    assert data["id"] == order.pk
    assert data["number"] == order.number
    assert (data["customer_id"], data["source"], data["status"]) == (customer.pk, "shop", "placed")
    assert (data["net"], data["tax"], data["total"]) == ("282.50", "36.73", "319.23")
    assert data["tax_breakdown"] == {"0.13": "36.73"}
    assert [(x["sku"], x["quantity"], x["unit_price"], x["total"]) for x in data["lines"]] == [
        ("TEA-001", "2", "88.00", "198.88"),
        ("CUP-002", "3", "35.50", "120.35"),
    ]
    assert data["allowed_next"] == ["paid", "cancelled"]
    assert data["shipping_address"] == BODY["shipping_address"]
    assert data["idempotency_key"] == "shop-2024-0001"
    assert [(s["from_status"], s["to_status"], s["via"]) for s in data["history"]] == [
        ("", "placed", "shop")
    ]
    before = counts()
    again = post(rep_client, BODY)
    assert again.status_code == 200
    assert again.json() == data
    assert counts() == before


def test_the_key_may_come_in_the_header(shop, customer, rep_client):
    body = {k: v for k, v in BODY.items() if k != "idempotency_key"}
    first = post(rep_client, body, **{"Idempotency-Key": "hdr-1"})
    assert first.status_code == 201
    both = post(rep_client, {**body, "idempotency_key": "hdr-1"}, **{"Idempotency-Key": "hdr-1"})
    assert both.status_code == 200
    assert both.json()["id"] == first.json()["id"]


def test_a_key_is_required_and_header_and_body_must_agree(shop, customer, rep_client):
    body = {k: v for k, v in BODY.items() if k != "idempotency_key"}
    missing = post(rep_client, body)
    assert missing.status_code == 400
    assert missing.json() == error(
        "bad_request",
        "The request is not valid.",
        {
            "idempotency_key": [
                "Give an idempotency key (Idempotency-Key header or idempotency_key)."
            ]
        },
    )
    clash = post(rep_client, BODY, **{"Idempotency-Key": "other"})
    assert clash.status_code == 400
    assert clash.json()["error"]["details"] == {
        "idempotency_key": ["The Idempotency-Key header and the body's key differ."]
    }
    assert Order.objects.count() == 0


def test_another_request_under_a_used_key_is_a_409(shop, customer, rep_client):
    first = post(rep_client, BODY).json()
    before = counts()
    response = post(rep_client, {**BODY, "lines": [{"sku": "TEA-001", "quantity": 1}]})
    assert response.status_code == 409
    assert response.json() == error(
        "idempotency_key_reused",
        f"The idempotency key shop-2024-0001 was already used for order {first['number']} "
        "with different content. Send the same request again to get that order, or use a new "
        "key for a new order.",
        {"order_id": first["id"], "number": first["number"]},
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"lines": [{"sku": "NOPE-1", "quantity": 1}]}, 400, {"lines[0]": ["Unknown SKU NOPE-1."]}),
        ({"lines": [{"product_id": 987654, "quantity": 1}]}, 400, None),
        ({"lines": [{"sku": "TEA-001", "quantity": -1}]}, 422, None),
        ({"lines": [{"sku": "TEA-001", "quantity": "-1"}]}, 422, None),
        ({"lines": [{"sku": "TEA-001", "quantity": "0"}]}, 400, None),
        ({"lines": [{"sku": "TEA-001", "quantity": 1, "unit_price": 19.9}]}, 422, None),
        ({"lines": [{"sku": "TEA-001", "quantity": 1, "unit_price": "1e3"}]}, 422, None),
        ({"lines": [{"sku": "TEA-001", "quantity": 1, "unit_price": "-5"}]}, 422, None),
        ({"discount_amount": 5.5}, 422, None),
        ({"lines": []}, 422, None),
        ({"lines": [{"quantity": 1}]}, 422, None),
        ({"lines": [{"sku": "TEA-001", "quantity": 1}] * 501}, 422, None),
        ({"currency": "XXQ"}, 400, None),
        ({"currency": "usd"}, 422, None),
        ({"customer": {"id": 987654}}, 400, {"customer": ["There is no such customer."]}),
        ({"customer": {"email": "nobody@example.com"}}, 400, None),
        ({"customer": {"phone": "1", "email": "x@example.com"}}, 422, None),
        ({"customer": {"phone": "not a phone"}}, 400, None),
        ({"unexpected": True}, 422, None),
        ({"placed_at": "2999-01-01T00:00:00+08:00"}, 400, None),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(
    shop, customer, rep_client, change, status, where
):
    before = counts()
    response = post(rep_client, {**BODY, **change})
    assert response.status_code == status, response.json()
    body = response.json()["error"]
    assert body["message"]
    if where is not None:
        assert body["details"] == where
    assert counts() == before


def test_an_oversized_body_is_refused(shop, customer, rep_client):
    body = {**BODY, "notes": "x" * (2 * 1024 * 1024 + 1)}  # over HEARTLINE_MAX_REQUEST_BYTES
    before = counts()
    response = post(rep_client, body)
    assert response.status_code == 400
    assert response.json() == error("bad_request", "The request body is too large.")
    assert counts() == before


def test_only_orders_manage_may_create_and_prices_are_not_typed_by_others(
    shop, customer, api_client, make_staff
):
    agent = api_client(make_staff("agent"))
    before = counts()
    response = post(agent, BODY)
    assert response.status_code == 403
    assert counts() == before


def test_a_session_post_without_csrf_is_refused(shop, customer, sales_rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    before = counts()
    response = post(client, BODY)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert counts() == before


def test_read_an_order_is_audited_as_a_view(shop, customer, rep_client, api_client, make_staff):
    created = post(rep_client, BODY).json()
    agent = api_client(make_staff("agent"))  # orders.view
    response = agent.get(f"/api/v1/orders/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    view = AuditEntry.objects.filter(action="view", object_type="orders.order").get()
    assert view.changes == {"fields": ["lines", "shipping_address"]}
    assert agent.get("/api/v1/orders/987654").status_code == 404


def test_the_lifecycle_over_the_api(shop, customer, rep_client):
    order_id = post(rep_client, BODY).json()["id"]
    url = f"/api/v1/orders/{order_id}/status"
    paid = rep_client.post(url, {"status": "paid"}, content_type="application/json")
    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["allowed_next"]) == ("paid", ["shipped", "refunded"])
    assert paid.json()["history"][-1]["via"] == "api"
    before = counts()
    refused = rep_client.post(url, {"status": "cancelled"}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json() == error(
        "transition_refused",
        "An order that is paid cannot become cancelled.",
        {"status": "paid", "allowed": ["shipped", "refunded"]},
    )
    unknown = rep_client.post(url, {"status": "lost"}, content_type="application/json")
    assert unknown.status_code == 422
    assert counts() == before


def test_a_customers_orders_newest_first_with_a_cursor(shop, customer, rep_client):
    ids = [post(rep_client, {**BODY, "idempotency_key": f"k-{i}"}).json()["id"] for i in range(5)]
    url = f"/api/v1/customers/{customer.pk}/orders"
    first = rep_client.get(url, {"limit": 2}).json()
    assert [o["id"] for o in first["items"]] == ids[::-1][:2]
    assert first["items"][0]["total"] == "319.23"
    second = rep_client.get(url, {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = rep_client.get(url, {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [o["id"] for o in second["items"] + third["items"]] == ids[::-1][2:]
    assert third["next_cursor"] is None
    assert rep_client.get(url, {"cursor": "forged"}).status_code == 400
    assert rep_client.get("/api/v1/customers/987654/orders").status_code == 404


def test_a_batch_places_many_orders_in_one_go_and_repeats_are_recognised(
    shop, customer, rep_client
):
    single = post(rep_client, BODY).json()
    orders = [
        {**BODY, "idempotency_key": "shop-2024-0001"},  # placed above: answered, not placed
        {**BODY, "idempotency_key": "b-2", "customer": {"id": customer.pk}},
        {**BODY, "idempotency_key": "b-3", "lines": [{"sku": "BOOK-003", "quantity": 2}]},
    ]
    before = counts()
    response = rep_client.post(
        "/api/v1/orders/batch", {"orders": orders}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    items = response.json()["items"]
    assert [(i["created"], i["total"]) for i in items] == [
        (False, "319.23"),
        (True, "319.23"),
        (True, "130.58"),  # 2 × 59.90 at 9 %
    ]
    assert items[0]["id"] == single["id"]
    after = counts()
    assert after["orders"] == before["orders"] + 2
    assert after["interactions"] == before["interactions"] + 2
    assert after["steps"] == before["steps"] + 2
    numbers = set(Order.objects.values_list("number", flat=True))
    assert {i["number"] for i in items} <= numbers
    again = rep_client.post(
        "/api/v1/orders/batch", {"orders": orders}, content_type="application/json"
    )
    assert [i["created"] for i in again.json()["items"]] == [False, False, False]
    assert counts() == after


def test_a_bad_order_refuses_the_whole_batch_and_names_it(shop, customer, rep_client):
    orders = [
        {**BODY, "idempotency_key": "ok-1"},
        {**BODY, "idempotency_key": "bad-2", "lines": [{"sku": "NOPE-9", "quantity": 1}]},
    ]
    before = counts()
    response = rep_client.post(
        "/api/v1/orders/batch", {"orders": orders}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"orders[1].lines[0]": ["Unknown SKU NOPE-9."]}
    keyless = rep_client.post(
        "/api/v1/orders/batch",
        {"orders": [{k: v for k, v in BODY.items() if k != "idempotency_key"}]},
        content_type="application/json",
    )
    assert keyless.status_code == 400
    assert keyless.json()["error"]["details"] == {
        "orders[0].idempotency_key": ["Each order needs its key."]
    }
    stranger = rep_client.post(
        "/api/v1/orders/batch",
        {"orders": [{**BODY, "customer": {"id": 987654}}]},
        content_type="application/json",
    )
    assert stranger.json()["error"]["details"] == {
        "orders[0].customer": ["There is no such customer."]
    }
    assert counts() == before
