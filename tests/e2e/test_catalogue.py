"""The catalogue in a real Chromium: a manager finds a product by its Chinese name, uploads an
image (htmx, multipart), sets a quantity break and checks the price a customer gets. (Hostile
files are refused in tests/catalogue/test_images.py.)"""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from heartline.catalogue import services
from heartline.catalogue.models import PriceListItem, ProductImage
from heartline.core.permissions import Role
from tests.e2e.conftest import off_loop
from tests.e2e.test_shell import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed() -> tuple[Any, Any]:
    tea_cat = services.category_create(actor=None, name_en="Tea", name_zh="茶叶", tax_rate="0.13")
    tea = services.product_create(
        actor=None, sku="TEA-001", name_en="Longjing tea", name_zh="龙井茶", category=tea_cat
    )
    services.product_create(actor=None, sku="CUP-001", name_en="Tea cup", name_zh="茶杯")
    retail = services.price_list_create(
        actor=None, name="Retail", currency="CNY", tax_inclusive=True
    )
    services.price_list_item_set(actor=None, price_list=retail, product=tea, unit_price="128")
    return tea, retail


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 160, 90)).save(out, "PNG")
    return out.getvalue()


def test_manager_edits_the_catalogue_and_checks_a_price(
    make_staff, asgi_server, open_page, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    off_loop(make_staff, Role.MANAGER, username="manager.mei")
    tea, retail = off_loop(seed)
    page = open_page()
    sign_in(page, asgi_server, "manager.mei")
    page.click("[data-nav=catalogue]")
    page.wait_for_selector("tr[data-product-id]")
    assert page.locator("tr[data-product-id]").count() == 2

    page.fill("#product-q", "龙井")
    page.locator("tr[data-product-id]").nth(1).wait_for(state="detached")
    assert page.locator("tr[data-product-id]").count() == 1
    page.click(f"tr[data-product-id='{tea.pk}'] a")
    page.wait_for_selector("#product-images")

    page.set_input_files(
        "#product-images input[type=file]",
        files=[{"name": "tea.png", "mimeType": "image/png", "buffer": png()}],
    )
    page.click("[data-testid=image-upload]")
    page.wait_for_selector("#product-images img")
    assert off_loop(ProductImage.objects.count) == 1
    assert page.locator("#product-images img").evaluate("img => img.naturalWidth") == 80

    page.select_option("#product-prices select[name=price_list]", str(retail.pk))
    page.fill("#product-prices input[name=min_quantity]", "10")
    page.fill("#product-prices input[name=unit_price]", "118")
    page.click("[data-testid=price-submit]")
    page.wait_for_selector("#product-prices td:has-text('118.00 CNY')")
    assert off_loop(PriceListItem.objects.filter(product=tea).count) == 2

    page.fill("#price-check input[name=quantity]", "12")
    page.click("[data-testid=price-check-submit]")
    page.wait_for_selector("[data-testid=price-result]")
    assert page.inner_text("[data-testid=unit-price]") == "118.00 CNY"
    assert page.inner_text("[data-testid=line-total]") == "CN¥1,416.00"
    assert page.inner_text("[data-testid=reasons]") == "List price from Retail (from 10)"
    page.screenshot(path="/tmp/heartline-catalogue-product.png", full_page=True)
