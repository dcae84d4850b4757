"""The catalogue API: products (list, filters, create, patch, the price a customer gets) and
price lists with their quantity breaks. Amounts are strings; errors in the one format."""

from __future__ import annotations

import pytest
from django.test import Client

from heartline.accounts.services import api_token_create
from heartline.catalogue.models import PriceList, PriceListItem, Product
from heartline.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(staff_by_role):  # type: ignore[no-untyped-def]
    def client_for(role: str) -> Client:
        user = staff_by_role[role]
        _, key = api_token_create(actor=None, user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return client_for


def post(client: Client, path: str, body: object):  # type: ignore[no-untyped-def]
    return client.post(path, body, content_type="application/json")


def patch(client: Client, path: str, body: object):  # type: ignore[no-untyped-def]
    return client.patch(path, body, content_type="application/json")


def counts() -> tuple[int, ...]:
    return (
        Product.objects.count(),
        PriceList.objects.count(),
        PriceListItem.objects.count(),
        AuditEntry.objects.count(),
    )


def test_list_filters_and_pages(catalogue, api):
    agent = api("agent")
    body = agent.get("/api/v1/products").json()
    assert [p["sku"] for p in body["items"]] == ["SRV-INSTALL", "TEA-001"]  # newest first
    assert body["next_cursor"] is None
    tea = body["items"][1]
    assert tea == {
        "id": catalogue.tea.pk,
        "sku": "TEA-001",
        "kind": "product",
        "name": "Longjing tea 250 g",
        "name_en": "Longjing tea 250 g",
        "name_zh": "龙井茶 250克",
        "description_en": "",
        "description_zh": "",
        "category": {
            "id": catalogue.tea_cat.pk,
            "name_en": "Tea",
            "name_zh": "茶叶",
            "tax_rate": "0.13",
        },
        "tax_rate": "0.13",
        "unit": "盒",
        "active": True,
        "images": [],
        "created_at": tea["created_at"],
        "updated_at": tea["updated_at"],
    }
    assert [p["sku"] for p in agent.get("/api/v1/products?q=龙井").json()["items"]] == ["TEA-001"]
    by_category = agent.get(f"/api/v1/products?category_id={catalogue.service_cat.pk}").json()
    assert [p["sku"] for p in by_category["items"]] == ["SRV-INSTALL"]
    assert agent.get("/api/v1/products?active=false").json()["items"] == []
    first = agent.get("/api/v1/products?limit=1").json()
    assert [p["sku"] for p in first["items"]] == ["SRV-INSTALL"]
    second = agent.get(f"/api/v1/products?limit=1&cursor={first['next_cursor']}").json()
    assert ([p["sku"] for p in second["items"]], second["next_cursor"]) == (["TEA-001"], None)
    categories = agent.get("/api/v1/products/categories").json()["items"]
    assert [(c["name_en"], c["tax_rate"]) for c in categories] == [
        ("Services", "0.06"),
        ("Tea", "0.13"),
    ]
    zh = agent.get(f"/api/v1/products/{catalogue.tea.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.json()["name"] == "龙井茶 250克"


def test_create_then_conflict(catalogue, api):
    manager = api("manager")
    created = post(
        manager,
        "/api/v1/products",
        {"sku": " pu-erh-1".strip(), "name_zh": "普洱茶", "category_id": catalogue.tea_cat.pk},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["sku"], body["name"], body["tax_rate"], body["kind"]) == (
        "PU-ERH-1",
        "普洱茶",
        "0.13",
        "product",
    )
    before = counts()
    clash = post(manager, "/api/v1/products", {"sku": "Pu-Erh-1", "name_en": "Other"})
    assert clash.status_code == 409
    assert clash.json() == {
        "error": {
            "code": "sku_taken",
            "message": f"SKU PU-ERH-1 already belongs to product #{body['id']}.",
            "details": {"existing_product_id": body["id"], "sku": "PU-ERH-1"},
        }
    }
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sku": "X-1"}, 400),  # no name in either language
        ({"sku": "X-1", "name_en": " "}, 400),
        ({"sku": "x 1", "name_en": "X"}, 422),
        ({"sku": "X-1", "name_en": "X", "price": "1"}, 422),
        ({"sku": "X-1", "name_en": "X", "kind": "gadget"}, 422),
        ({"sku": "X-1", "name_en": "X", "category_id": 999999}, 404),
        ({"sku": "X-1", "name_en": "X\u0000"}, 422),
    ],
)
def test_bad_products_are_refused_and_nothing_written(catalogue, api, body, status):
    manager = api("manager")
    before = counts()
    response = post(manager, "/api/v1/products", body)
    assert response.status_code == status
    assert set(response.json()) == {"error"}
    assert counts() == before


def test_no_name_says_so(catalogue, api):
    response = post(api("manager"), "/api/v1/products", {"sku": "X-1"})
    assert response.json()["error"] == {
        "code": "bad_request",
        "message": "The request is not valid.",
        "details": {"name_en": ["Give the name in English or in Chinese (or both)."]},
    }


def test_patch_changes_only_what_is_sent(catalogue, api):
    manager = api("manager")
    url = f"/api/v1/products/{catalogue.tea.pk}"
    changed = patch(manager, url, {"name_en": "West Lake Longjing", "category_id": None})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["name_en"], body["name_zh"], body["category"], body["tax_rate"]) == (
        "West Lake Longjing",
        "龙井茶 250克",
        None,
        "0",
    )
    before = counts()
    assert patch(manager, url, {"name_en": None}).status_code == 422
    assert patch(manager, url, {"name_en": "", "name_zh": ""}).status_code == 400
    assert patch(manager, url, {"sku": "srv-install"}).status_code == 409
    assert patch(manager, "/api/v1/products/999999", {"unit": "x"}).status_code == 404
    assert counts() == before


def test_writes_need_catalogue_manage(catalogue, api):
    clients = {role: api(role) for role in ("agent", "sales", "marketing", "analyst")}
    before = counts()
    for role in ("agent", "sales", "marketing"):
        client = clients[role]
        assert client.get("/api/v1/products").status_code == 200
        assert post(client, "/api/v1/products", {"sku": "A", "name_en": "a"}).status_code == 403
        assert (
            patch(client, f"/api/v1/products/{catalogue.tea.pk}", {"unit": "x"}).status_code == 403
        )
        assert post(client, "/api/v1/price-lists", {"name": "x"}).status_code == 403
    analyst = clients["analyst"]
    assert analyst.get("/api/v1/products").status_code == 403
    assert analyst.get(f"/api/v1/products/{catalogue.tea.pk}/price").status_code == 403
    assert counts() == before


def test_the_price_a_customer_gets(catalogue, api):
    agent = api("agent")
    url = f"/api/v1/products/{catalogue.tea.pk}/price"
    body = agent.get(url, {"quantity": "12", "currency": "CNY", "on": "2025-06-01"}).json()
    assert body == {
        "product_id": catalogue.tea.pk,
        "sku": "TEA-001",
        "quantity": "12",
        "currency": "CNY",
        "unit_price": "118.00",
        "list_price": "118.00",
        "tax_rate": "0.13",
        "tax_inclusive": True,
        "price_list_id": catalogue.retail.pk,
        "reasons": ["List price from Retail 零售 (from 10)"],
        "line": {
            "gross": "1416.00",
            "discount": "0.00",
            "net": "1253.10",
            "tax": "162.90",
            "total": "1416.00",
        },
    }
    default = agent.get(url).json()
    assert (default["quantity"], default["unit_price"], default["currency"]) == (
        "1",
        "128.00",
        "CNY",
    )
    usd = agent.get(url, {"quantity": "1.5", "currency": "USD"}).json()
    assert (usd["unit_price"], usd["tax_inclusive"], usd["line"]) == (
        "17.50",
        False,
        {"gross": "26.25", "discount": "0.00", "net": "26.25", "tax": "3.41", "total": "29.66"},
    )
    below_the_first_break = agent.get(url, {"quantity": "0.5", "currency": "USD"})
    assert below_the_first_break.status_code == 404


def test_no_price_is_a_404_that_says_why(catalogue, api):
    agent = api("agent")
    url = f"/api/v1/products/{catalogue.tea.pk}/price"
    none = agent.get(url, {"currency": "EUR", "on": "2025-06-01"})
    assert none.status_code == 404
    assert none.json() == {
        "error": {
            "code": "no_price",
            "message": "TEA-001 has no price in EUR on 2025-06-01.",
            "details": None,
        }
    }
    for params in (
        {"quantity": "0"},
        {"quantity": "1.5e3"},
        {"quantity": "-1"},
        {"currency": "cny"},
        {"currency": "XYZ"},
        {"on": "2025-6-1"},
        {"customer_id": "0"},
    ):
        assert agent.get(url, params).status_code == 422, params
    assert agent.get(url, {"customer_id": 999999}).status_code == 404
    assert agent.get("/api/v1/products/999999/price").status_code == 404


def test_price_lists_and_items(catalogue, api):
    manager = api("manager")
    created = post(
        manager,
        "/api/v1/price-lists",
        {
            "name": "Dealers",
            "currency": "EUR",
            "valid_from": "2025-01-01",
            "valid_until": "2025-12-31",
            "priority": 5,
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert {
        k: body[k]
        for k in (
            "name",
            "currency",
            "valid_from",
            "valid_until",
            "tax_inclusive",
            "priority",
            "active",
            "item_count",
        )
    } == {
        "name": "Dealers",
        "currency": "EUR",
        "valid_from": "2025-01-01",
        "valid_until": "2025-12-31",
        "tax_inclusive": False,
        "priority": 5,
        "active": True,
        "item_count": 0,
    }
    items_url = f"/api/v1/price-lists/{body['id']}/items"
    added = post(
        manager,
        items_url,
        {"product_id": catalogue.tea.pk, "min_quantity": "10", "unit_price": "15.2"},
    )
    assert added.status_code == 201
    assert added.json() == {
        "id": added.json()["id"],
        "product_id": catalogue.tea.pk,
        "sku": "TEA-001",
        "min_quantity": "10",
        "unit_price": "15.20",
    }
    replaced = post(
        manager,
        items_url,
        {"product_id": catalogue.tea.pk, "min_quantity": "10.000", "unit_price": "14"},
    )
    assert (replaced.status_code, replaced.json()["id"], replaced.json()["unit_price"]) == (
        200,
        added.json()["id"],
        "14.00",
    )
    listed = manager.get(items_url).json()
    assert [(i["sku"], i["min_quantity"], i["unit_price"]) for i in listed["items"]] == [
        ("TEA-001", "10", "14.00")
    ]
    price = manager.get(
        f"/api/v1/products/{catalogue.tea.pk}/price",
        {"quantity": "10", "currency": "EUR", "on": "2025-03-01"},
    ).json()
    assert (price["unit_price"], price["price_list_id"], price["line"]["total"]) == (
        "14.00",
        body["id"],
        "158.20",
    )
    assert manager.get(f"/api/v1/price-lists/{body['id']}").json()["item_count"] == 1
    lists = manager.get("/api/v1/price-lists").json()["items"]
    assert [p["name"] for p in lists] == ["Dealers", "Export", "Retail 零售"]  # newest first
    deleted = manager.delete(f"{items_url}/{added.json()['id']}")
    assert deleted.status_code == 204
    assert manager.delete(f"{items_url}/{added.json()['id']}").status_code == 404


def test_bad_price_lists_and_items_write_nothing(catalogue, api):
    manager = api("manager")
    before = counts()
    for body, status in (
        ({"name": "x", "currency": "XYZ"}, 422),
        ({"name": "x", "currency": "usd"}, 422),
        ({"name": "x", "valid_from": "2025-02-01", "valid_until": "2025-01-01"}, 400),
        ({"name": "x", "valid_from": 1700000000}, 422),
        ({"name": "x", "priority": -1}, 422),
        ({"name": ""}, 422),
        ({"name": "  "}, 400),
    ):
        response = post(manager, "/api/v1/price-lists", body)
        assert response.status_code == status, body
    items_url = f"/api/v1/price-lists/{catalogue.retail.pk}/items"
    for body, status in (
        ({"product_id": catalogue.tea.pk, "unit_price": 12.5}, 422),  # a float: refused
        ({"product_id": catalogue.tea.pk, "unit_price": "12.50001"}, 422),
        ({"product_id": catalogue.tea.pk, "unit_price": "-1"}, 422),
        ({"product_id": catalogue.tea.pk, "unit_price": "1", "min_quantity": "0"}, 422),
        ({"product_id": catalogue.tea.pk, "unit_price": "1", "min_quantity": "0.000"}, 422),
        ({"product_id": 999999, "unit_price": "1"}, 404),
    ):
        response = post(manager, items_url, body)
        assert response.status_code == status, body
    assert (
        post(
            manager,
            "/api/v1/price-lists/999999/items",
            {"product_id": catalogue.tea.pk, "unit_price": "1"},
        ).status_code
        == 404
    )
    locked = patch(manager, f"/api/v1/price-lists/{catalogue.usd.pk}", {"currency": "EUR"})
    assert locked.status_code == 400
    assert locked.json()["error"]["details"] == {
        "currency": ["The list already has prices in USD: create a new list for another currency."]
    }
    assert counts() == before


def test_session_writes_need_csrf(catalogue, staff_by_role):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_by_role["manager"])
    before = counts()
    response = post(browser, "/api/v1/products", {"sku": "A-1", "name_en": "A"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert counts() == before
