"""Demo quotes and orders: orders from the shop and the API on the first demo customers, moved
through their lifecycle, and quotes from open deals (one accepted, so it has its order).

Everything goes through the orders services, so totals, timeline rows, audit entries and
events are real. It needs customers (``seed_demo --customers N``, as ``make run`` does): with
none it does nothing. It sells the demo catalogue's products (a few of its own when there is
no catalogue); deals are used when the sales demo made some, else quotes are made without one.
Deterministic for a seed; running it again adds nothing twice (the orders carry the keys
``demo-…``). No e-mail is sent: quotes are left as drafts or answered by staff.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from heartline.catalogue.models import Category, PriceList, PriceListItem, Product
from heartline.catalogue.pricing import price_for
from heartline.customers.models import Customer
from heartline.orders.answers import quote_accept
from heartline.orders.documents import LineDraft
from heartline.orders.models import Order
from heartline.orders.placing import convert_price
from heartline.orders.quotes import quote_create, quote_create_from_deal
from heartline.orders.services import OrderLineRequest, order_create, order_transition
from heartline.sales.models import Deal

CUSTOMERS = 12
CATALOGUE = (
    # sku, English, Chinese, unit, price (CNY, tax excluded), goods (13 %) or service (6 %)
    ("DEMO-TEA-250", "Longjing green tea 250 g", "龙井绿茶 250克", "盒", "88.00", True),
    ("DEMO-CUP-01", "Celadon tea cup", "青瓷茶杯", "只", "35.50", True),
    ("DEMO-POT-01", "Yixing clay teapot", "宜兴紫砂壶", "把", "468.00", True),
    ("DEMO-GIFT-01", "Mid-Autumn gift box", "中秋礼盒", "盒", "268.00", True),
    ("DEMO-SVC-INSTALL", "On-site installation", "上门安装服务", "次", "300.00", False),
)
PATHS = (
    (),
    ("paid",),
    ("paid", "shipped"),
    ("paid", "shipped", "delivered"),
    ("paid", "shipped", "delivered"),
    ("cancelled",),
    ("paid", "shipped", "delivered", "returned", "refunded"),
)
NOTES = ("请工作日送货", "Leave at the reception", "", "发票抬头：公司", "")


@dataclass
class OrdersSeedReport:
    orders: int = 0
    quotes: int = 0


def _priced_products() -> list[Product]:
    """Active products with a price in an active CNY list (the catalogue demo's, if it ran)."""
    listed = PriceListItem.objects.filter(
        price_list__currency="CNY", price_list__active=True, product__active=True
    ).values_list("product_id", flat=True)
    return list(Product.objects.filter(pk__in=listed).select_related("category").order_by("sku"))


def _catalogue() -> list[Product]:
    """The products to sell: the demo catalogue's, or a few of our own when there is none."""
    products = _priced_products()
    if len(products) >= 5:
        return products[:8]
    goods, _ = Category.objects.get_or_create(
        name_en="Demo goods", defaults={"name_zh": "演示商品", "tax_rate": Decimal("0.13")}
    )
    services, _ = Category.objects.get_or_create(
        name_en="Demo services", defaults={"name_zh": "演示服务", "tax_rate": Decimal("0.06")}
    )
    price_list, _ = PriceList.objects.get_or_create(
        name="Demo price list 演示价目表", defaults={"currency": "CNY", "priority": 200}
    )
    made = []
    for sku, name_en, name_zh, unit, price, is_goods in CATALOGUE:
        product, _ = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name_en": name_en,
                "name_zh": name_zh,
                "unit": unit,
                "category": goods if is_goods else services,
                "kind": Product.Kind.PRODUCT if is_goods else Product.Kind.SERVICE,
            },
        )
        PriceListItem.objects.get_or_create(
            price_list=price_list,
            product=product,
            min_quantity=Decimal(1),
            defaults={"unit_price": Decimal(price)},
        )
        made.append(product)
    return made


def _list_price(product: Product) -> Decimal:
    """The product's list price for one, net of tax (as quotes without a deal are)."""
    price = price_for(product, 1)
    return convert_price(
        price.unit_price, price.tax_rate, from_inclusive=price.tax_inclusive, to_inclusive=False
    )


def _orders(rng: random.Random, customers: list[Customer], skus: list[str]) -> int:
    made = 0
    now = timezone.now()
    for index, customer in enumerate(customers):
        for number in range(rng.randint(1, 3)):
            placed = now - datetime.timedelta(days=rng.randint(2, 300), hours=rng.randint(0, 12))
            chosen = rng.sample(skus[:4], rng.randint(1, 3))
            order, created = order_create(
                actor=None,
                customer=customer,
                source=rng.choice((Order.Source.SHOP, Order.Source.SHOP, Order.Source.API)),
                idempotency_key=f"demo-{index}-{number}",
                lines=[OrderLineRequest(sku=sku, quantity=rng.randint(1, 4)) for sku in chosen],
                notes=rng.choice(NOTES),
                placed_at=placed,
            )
            if not created:
                continue
            made += 1
            at = placed
            for status in rng.choice(PATHS):
                at = min(at + datetime.timedelta(days=rng.randint(1, 3)), now)
                order, _ = order_transition(
                    actor=None, order=order, to_status=status, at=at, via="system"
                )
    return made


def _quotes(rng: random.Random, customers: list[Customer], products: list[Product]) -> int:
    made = 0
    deals = list(Deal.objects.filter(status=Deal.Status.OPEN).order_by("pk")[:3])
    for deal in deals:
        quote_create_from_deal(actor=None, deal=deal)
        made += 1
    if deals:
        return made
    for customer in customers[:2]:  # no sales demo: quotes without a deal
        lines = [
            LineDraft(
                product.name_zh or product.name_en,
                Decimal(quantity),
                _list_price(product),
                product.tax_rate,
                product_id=product.pk,
                sku=product.sku,
                unit=product.unit,
            )
            for product, quantity in zip(products[:4], (20, 40, 10, 1), strict=False)
        ]
        quote = quote_create(
            actor=None,
            customer=customer,
            title="茶室开业套装 · Tea room opening set",
            lines=lines,
            discount_percent=Decimal(rng.choice((0, 5))),
            language="zh-hans" if made == 0 else "en",
        )
        made += 1
        if made == 2:
            quote_accept(actor=None, quote=quote, note="Accepted by phone · 电话确认")
    return made


@transaction.atomic
def seed_orders(*, seed: int = 1) -> OrdersSeedReport:
    """Demo orders and quotes on the first demo customers (none without customers)."""
    report = OrdersSeedReport()
    if Order.objects.filter(idempotency_key__startswith="demo-").exists():
        return report
    customers = list(Customer.objects.filter(merged_into__isnull=True).order_by("pk")[:CUSTOMERS])
    if not customers:
        return report
    rng = random.Random(seed * 7919)  # noqa: S311 — demo data
    products = _catalogue()
    report.orders = _orders(rng, customers, [p.sku for p in products])
    report.quotes = _quotes(rng, customers, products)
    return report
