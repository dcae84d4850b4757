"""The catalogue pages: list and search, product create/edit with prices, categories, price
lists with their quantity breaks, the price check. Exact values, 403s, CSRF, 400s that write
nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from heartline.catalogue.models import Category, PriceList, PriceListItem, Product
from heartline.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Product.objects.count(),
        Category.objects.count(),
        PriceList.objects.count(),
        PriceListItem.objects.count(),
        AuditEntry.objects.count(),
    )


def skus(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.sku for p, _images in response.context["products"]]


# --- list and search -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["SRV-INSTALL", "TEA-001"]),
        ({"q": "tea-0"}, ["TEA-001"]),
        ({"q": "LONGJING"}, ["TEA-001"]),
        ({"q": "龙井"}, ["TEA-001"]),
        ({"q": "安装"}, ["SRV-INSTALL"]),
        ({"q": "nothing"}, []),
        ({"active": "no"}, []),
        ({"active": "yes"}, ["SRV-INSTALL", "TEA-001"]),
    ],
)
def test_search_by_sku_or_name_in_either_language(
    catalogue, staff_by_role, client_for, params, expected
):
    response = client_for(staff_by_role["agent"]).get("/catalogue/", params)
    assert response.status_code == 200
    assert skus(response) == expected


def test_filter_by_category_and_htmx_partial(catalogue, staff_by_role, client_for):
    response = client_for(staff_by_role["sales"]).get(
        "/catalogue/", {"category": catalogue.service_cat.pk, "q": ""}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert skus(response) == ["SRV-INSTALL"]
    assert "<html" not in html
    assert f'href="/catalogue/products/{catalogue.install.pk}/"' in html
    assert "6 %" in html
    bad = client_for(staff_by_role["sales"]).get("/catalogue/", {"category": "999999"})
    assert bad.status_code == 200
    assert skus(bad) == ["SRV-INSTALL", "TEA-001"]


def test_navigation_and_permissions(catalogue, staff_by_role, client_for):
    for role in ("admin", "manager", "agent", "sales", "marketing"):
        page = client_for(staff_by_role[role]).get("/catalogue/").content.decode()
        assert 'data-nav="catalogue"' in page, role
        assert ('href="/catalogue/products/new/"' in page) is (role in ("admin", "manager")), role
    analyst = client_for(staff_by_role["analyst"])
    assert analyst.get("/catalogue/").status_code == 403
    assert 'data-nav="catalogue"' not in analyst.get("/").content.decode()


def test_names_follow_the_language(catalogue, staff_by_role, client_for):
    client = client_for(staff_by_role["agent"])
    zh = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get("/catalogue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "龙井茶 250克<br>" in zh
    assert "Longjing tea 250 g<br>" in en


# --- products --------------------------------------------------------------------------------
PRODUCT = {
    "sku": " oolong-7 ",
    "kind": "product",
    "name_en": "Oolong",
    "name_zh": "乌龙茶",
    "description_en": "",
    "description_zh": "",
    "unit": "盒",
    "active": "on",
}


def test_manager_creates_a_product(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    response = manager.post(
        "/catalogue/products/new/", {**PRODUCT, "category": catalogue.tea_cat.pk}
    )
    product = Product.objects.get(sku="OOLONG-7")
    assert response.status_code == 302
    assert response["Location"] == f"/catalogue/products/{product.pk}/"
    assert (product.name_zh, product.category, product.active, product.unit) == (
        "乌龙茶",
        catalogue.tea_cat,
        True,
        "盒",
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"sku": "tea-001"}, "sku", "SKU TEA-001 already belongs to product #{tea}."),
        (
            {"name_en": "", "name_zh": " "},
            "name_en",
            "Give the name in English or in Chinese (or both).",
        ),
        (
            {"sku": "a b"},
            "sku",
            "A SKU is 1 to 64 letters (A–Z), digits and . _ / -, starting with a letter or digit.",
        ),
        (
            {"category": "999999"},
            "category",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_bad_products_get_400_and_nothing_is_written(
    catalogue, staff_by_role, client_for, change, field, message
):
    before = counts()
    response = client_for(staff_by_role["manager"]).post(
        "/catalogue/products/new/", {**PRODUCT, **change}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message.format(tea=catalogue.tea.pk)]
    assert counts() == before


def test_only_managers_create_and_csrf_is_enforced(catalogue, staff_by_role, client_for):
    before = counts()
    for role in ("agent", "sales", "marketing", "analyst"):
        client = client_for(staff_by_role[role])
        assert client.get("/catalogue/products/new/").status_code == 403
        assert client.post("/catalogue/products/new/", PRODUCT).status_code == 403
        assert (
            client.post(f"/catalogue/products/{catalogue.tea.pk}/save/", PRODUCT).status_code == 403
        )
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(staff_by_role["manager"])
    assert csrf.post("/catalogue/products/new/", PRODUCT).status_code == 403
    assert counts() == before


def test_product_page_shows_its_prices_in_every_list(catalogue, staff_by_role, client_for):
    response = client_for(staff_by_role["agent"]).get(f"/catalogue/products/{catalogue.tea.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    rows = [
        (pl.name, [(i.min_quantity, i.unit_price) for i in pl.product_items])
        for pl in response.context["priced_lists"]
    ]
    assert rows == [
        ("Export", [(Decimal("1.000"), Decimal("17.5000"))]),
        (
            "Retail 零售",
            [(Decimal("1.000"), Decimal("128.0000")), (Decimal("10.000"), Decimal("118.0000"))],
        ),
    ]
    assert "17.50 USD" in html
    assert "118.00 CNY" in html
    # an agent sees the details but cannot change them
    assert 'data-testid="product-save"' not in html
    assert response.context["form"].fields["sku"].disabled is True
    assert 'data-testid="image-upload"' not in html


def test_manager_edits_a_product(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    data = {
        **PRODUCT,
        "sku": "TEA-001",
        "name_en": "West Lake Longjing",
        "category": catalogue.tea_cat.pk,
    }
    response = manager.post(f"/catalogue/products/{catalogue.tea.pk}/save/", data)
    assert response.status_code == 302
    catalogue.tea.refresh_from_db()
    assert catalogue.tea.name_en == "West Lake Longjing"
    before = counts()
    bad = manager.post(
        f"/catalogue/products/{catalogue.tea.pk}/save/", {**data, "sku": "SRV-INSTALL"}
    )
    assert bad.status_code == 400
    assert bad.context["form"].errors["sku"] == [
        f"SKU SRV-INSTALL already belongs to product #{catalogue.install.pk}."
    ]
    catalogue.tea.refresh_from_db()
    assert catalogue.tea.sku == "TEA-001"
    assert counts() == before


def test_delete_or_deactivate(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    response = manager.post(f"/catalogue/products/{catalogue.install.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/catalogue/"
    assert not Product.objects.filter(pk=catalogue.install.pk).exists()
    assert manager.get(f"/catalogue/products/{catalogue.install.pk}/").status_code == 404


def test_set_a_price_from_the_product_page(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    url = f"/catalogue/products/{catalogue.install.pk}/prices/"
    response = manager.post(
        url,
        {"price_list": catalogue.usd.pk, "min_quantity": "1", "unit_price": "35.5"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "35.50 USD" in response.content.decode()
    assert PriceListItem.objects.get(
        price_list=catalogue.usd, product=catalogue.install
    ).unit_price == Decimal("35.5")
    before = counts()
    for bad in (
        {"price_list": catalogue.usd.pk, "min_quantity": "0", "unit_price": "1"},
        {"price_list": catalogue.usd.pk, "min_quantity": "1", "unit_price": "-1"},
        {"price_list": catalogue.usd.pk, "min_quantity": "1", "unit_price": "1.00001"},
        {"price_list": "", "min_quantity": "1", "unit_price": "1"},
    ):
        refused = manager.post(url, bad, HTTP_HX_REQUEST="true")
        assert refused.status_code == 400, bad
        assert refused.context["item_form"].errors
    assert counts() == before


# --- categories ------------------------------------------------------------------------------
def test_categories_page(catalogue, staff_by_role, client_for):
    agent = client_for(staff_by_role["agent"])
    page = agent.get("/catalogue/categories/")
    assert [(c.name_en, c.product_count) for c, _f in page.context["rows"]] == [
        ("Services", 1),
        ("Tea", 1),
    ]
    html = page.content.decode()
    assert "13 %" in html
    assert "6 %" in html
    assert 'data-testid="category-submit"' not in html
    manager = client_for(staff_by_role["manager"])
    created = manager.post(
        "/catalogue/categories/new/",
        {"new-name_en": "Books", "new-name_zh": "图书", "new-tax_percent": "9"},
    )
    assert created.status_code == 302
    books = Category.objects.get(name_en="Books")
    assert books.tax_rate == Decimal("0.0900")
    saved = manager.post(
        f"/catalogue/categories/{books.pk}/save/",
        {
            f"c{books.pk}-name_en": "Books",
            f"c{books.pk}-name_zh": "图书",
            f"c{books.pk}-tax_percent": "10.5",
        },
    )
    assert saved.status_code == 302
    books.refresh_from_db()
    assert books.tax_rate == Decimal("0.1050")
    before = counts()
    for bad in (
        {"new-name_en": "X", "new-tax_percent": "100"},
        {"new-name_en": "", "new-tax_percent": "5"},
    ):
        assert manager.post("/catalogue/categories/new/", bad).status_code == 400
    refused = manager.post(f"/catalogue/categories/{catalogue.tea_cat.pk}/delete/")
    assert refused.status_code == 400
    assert (
        "Tea still has products: move them to another category first." in refused.content.decode()
    )
    assert counts() == before
    assert manager.post(f"/catalogue/categories/{books.pk}/delete/").status_code == 302
    assert not Category.objects.filter(pk=books.pk).exists()


# --- price lists -----------------------------------------------------------------------------
LIST = {
    "name": "Dealers 经销商",
    "currency": "usd",
    "valid_from": "2025-01-01",
    "valid_until": "2025-12-31",
    "priority": "20",
    "active": "on",
}


def test_price_lists_create_and_refuse(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    response = manager.post("/catalogue/price-lists/new/", LIST)
    created = PriceList.objects.get(name="Dealers 经销商")
    assert response.status_code == 302
    assert (
        created.currency,
        str(created.valid_until),
        created.tax_inclusive,
        created.priority,
    ) == (
        "USD",
        "2025-12-31",
        False,
        20,
    )
    before = counts()
    for change, field in (
        ({"currency": "XYZ"}, "currency"),
        ({"valid_until": "2024-12-31"}, "valid_until"),
        ({"priority": "-1"}, "priority"),
        ({"valid_from": "2025-02-30"}, "valid_from"),
    ):
        refused = manager.post("/catalogue/price-lists/new/", {**LIST, **change})
        assert refused.status_code == 400, change
        assert list(refused.context["form"].errors) == [field], change
    assert counts() == before
    listing = client_for(staff_by_role["agent"]).get("/catalogue/price-lists/")
    assert [(p.name, p.item_count) for p in listing.context["price_lists"]] == [
        ("Export", 1),
        ("Retail 零售", 3),
        ("Dealers 经销商", 0),
    ]


def test_price_list_items_with_quantity_breaks(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    url = f"/catalogue/price-lists/{catalogue.retail.pk}/"
    page = client_for(staff_by_role["agent"]).get(url)
    assert [
        (product.sku, [(str(i.min_quantity), str(i.unit_price)) for i in items])
        for product, items in page.context["groups"]
    ] == [
        ("SRV-INSTALL", [("1.000", "200.0000")]),
        ("TEA-001", [("1.000", "128.0000"), ("10.000", "118.0000")]),
    ]
    added = manager.post(
        url + "items/",
        {"sku": "tea-001", "min_quantity": "100", "unit_price": "108.80"},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200
    html = added.content.decode()
    assert "108.80" in html
    assert "<html" not in html
    item = PriceListItem.objects.get(price_list=catalogue.retail, min_quantity=100)
    assert item.unit_price == Decimal("108.8")
    before = counts()
    unknown = manager.post(
        url + "items/",
        {"sku": "NOPE", "min_quantity": "1", "unit_price": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert unknown.status_code == 400
    assert unknown.context["item_form"].errors == {"sku": ["There is no product with this SKU."]}
    assert counts() == before
    removed = manager.post(f"{url}items/{item.pk}/delete/", HTTP_HX_REQUEST="true")
    assert removed.status_code == 200
    assert not PriceListItem.objects.filter(pk=item.pk).exists()
    other = manager.post(f"/catalogue/price-lists/{catalogue.usd.pk}/items/{item.pk}/delete/")
    assert other.status_code == 404


def test_price_list_settings_and_currency_lock(catalogue, staff_by_role, client_for):
    manager = client_for(staff_by_role["manager"])
    url = f"/catalogue/price-lists/{catalogue.usd.pk}/save/"
    settings_ = {"name": "Export 出口", "currency": "USD", "priority": "15", "active": "on"}
    assert manager.post(url, settings_).status_code == 302
    catalogue.usd.refresh_from_db()
    assert (catalogue.usd.name, catalogue.usd.priority) == ("Export 出口", 15)
    refused = manager.post(url, {**settings_, "currency": "EUR"})
    assert refused.status_code == 400
    assert refused.context["form"].errors["currency"] == [
        "The list already has prices in USD: create a new list for another currency."
    ]
    catalogue.usd.refresh_from_db()
    assert catalogue.usd.currency == "USD"


# --- price check -----------------------------------------------------------------------------
def test_price_check_shows_the_price_and_why(catalogue, staff_by_role, client_for):
    agent = client_for(staff_by_role["agent"])
    params = {"sku": "tea-001", "quantity": "10", "currency": "CNY", "on": "2025-06-01"}
    response = agent.get("/catalogue/price-check/", params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    result = response.context["result"]
    assert (result["unit_price"], result["quantity"], result["tax_percent"]) == (
        "118.00",
        "10",
        "13",
    )
    assert result["line"] == {
        "gross": "CN¥1,180.00",
        "discount": "CN¥0.00",
        "net": "CN¥1,044.25",
        "tax": "CN¥135.75",
        "total": "CN¥1,180.00",
    }
    assert result["price"].reasons == ("List price from Retail 零售 (from 10)",)
    html = response.content.decode()
    assert "List price from Retail 零售 (from 10)" in html
    assert "<html" not in html
    usd = agent.get("/catalogue/price-check/", {**params, "currency": "USD", "quantity": "2"})
    # 17.50 × 2 = 35.00 in the export list, 13 % tax added
    assert usd.context["result"]["line"]["net"] == "$35.00"
    assert usd.context["result"]["line"]["tax"] == "$4.55"
    assert usd.context["result"]["line"]["total"] == "$39.55"


def test_price_check_without_a_price_or_with_bad_input(catalogue, staff_by_role, client_for):
    agent = client_for(staff_by_role["agent"])
    params = {"sku": "TEA-001", "quantity": "1", "currency": "EUR", "on": "2025-06-01"}
    none = agent.get("/catalogue/price-check/", params)
    assert none.status_code == 200
    assert none.context["result"]["no_price"] == "TEA-001 has no price in EUR on 2025-06-01."
    for change, field in (
        ({"sku": "NOPE"}, "sku"),
        ({"currency": "XYZ"}, "currency"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"on": "2025-13-01"}, "on"),
    ):
        refused = agent.get("/catalogue/price-check/", {**params, **change})
        assert refused.status_code == 400, change
        assert list(refused.context["check_form"].errors) == [field], change
    assert agent.get("/catalogue/price-check/").status_code == 200
    assert client_for(staff_by_role["analyst"]).get("/catalogue/price-check/").status_code == 403
