"""Reads of the catalogue shared by the pages and the API; each checks ``catalogue.view``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet

from heartline.catalogue.models import Category, PriceList, PriceListItem, Product, ProductImage
from heartline.catalogue.pricing import Price, PriceContext, price_for
from heartline.catalogue.services import SKU_PATTERN
from heartline.catalogue.totals import LineInput, Totals, compute_totals

VIEW = "catalogue.view"


def _require_view(user: Any) -> None:
    if not user.has_perm(VIEW):
        raise PermissionDenied(VIEW)


def products_for_user(
    user: Any,
    *,
    q: str = "",
    category_id: int | None = None,
    active: bool | None = None,
) -> QuerySet[Product]:
    """Products matching ``q`` (in the SKU or the name in either language) and the filters."""
    _require_view(user)
    products = Product.objects.select_related("category")
    q = q.strip()
    if q:
        match = Q(name_en__icontains=q) | Q(name_zh__icontains=q)
        sku = q.upper()
        if SKU_PATTERN.fullmatch(sku):
            match |= Q(sku__contains=sku)
        products = products.filter(match)
    if category_id is not None:
        products = products.filter(category_id=category_id)
    if active is not None:
        products = products.filter(active=active)
    return products


def product_for_user(user: Any, product_id: int) -> Product:
    product = products_for_user(user).filter(pk=product_id).first()
    if product is None:
        raise Product.DoesNotExist(f"No product {product_id}.")
    return product


def product_by_sku(user: Any, sku: str) -> Product | None:
    _require_view(user)
    return Product.objects.select_related("category").filter(sku=sku.strip().upper()).first()


def images_of(user: Any, product_ids: list[int]) -> dict[int, list[ProductImage]]:
    """The images of each product, in their order (one query)."""
    _require_view(user)
    result: dict[int, list[ProductImage]] = {pk: [] for pk in product_ids}
    for image in ProductImage.objects.filter(product_id__in=product_ids).order_by(
        "product_id", "position", "id"
    ):
        result[image.product_id].append(image)
    return result


def image_for_user(user: Any, image_id: int) -> ProductImage:
    _require_view(user)
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None:
        raise ProductImage.DoesNotExist(f"No image {image_id}.")
    return image


def categories_for_user(user: Any) -> QuerySet[Category]:
    """Every category with the number of its products (``product_count``)."""
    _require_view(user)
    return Category.objects.annotate(product_count=Count("products")).order_by(
        "name_en", "name_zh", "id"
    )


def category_for_user(user: Any, category_id: int) -> Category:
    category = categories_for_user(user).filter(pk=category_id).first()
    if category is None:
        raise Category.DoesNotExist(f"No category {category_id}.")
    return category


def price_lists_for_user(user: Any) -> QuerySet[PriceList]:
    """Every price list with the number of its prices (``item_count``)."""
    _require_view(user)
    return PriceList.objects.annotate(item_count=Count("items")).order_by("priority", "name", "id")


def price_list_for_user(user: Any, price_list_id: int) -> PriceList:
    price_list = price_lists_for_user(user).filter(pk=price_list_id).first()
    if price_list is None:
        raise PriceList.DoesNotExist(f"No price list {price_list_id}.")
    return price_list


def items_of_list(user: Any, price_list: PriceList) -> QuerySet[PriceListItem]:
    """The prices of a list, by product SKU then quantity break."""
    _require_view(user)
    return (
        PriceListItem.objects.filter(price_list=price_list)
        .select_related("product")
        .order_by("product__sku", "min_quantity")
    )


def item_of_list(user: Any, price_list: PriceList, item_id: int) -> PriceListItem:
    item = items_of_list(user, price_list).filter(pk=item_id).first()
    if item is None:
        raise PriceListItem.DoesNotExist(f"No price {item_id} in list {price_list.pk}.")
    return item


def prices_of_product(user: Any, product: Product) -> list[PriceList]:
    """Every price list, each with ``product_items``: the product's breaks in it (one query
    for the lists, one for the prices)."""
    _require_view(user)
    items = PriceListItem.objects.filter(product=product).order_by("min_quantity")
    return list(
        PriceList.objects.prefetch_related(Prefetch("items", items, to_attr="product_items"))
    )


@dataclass(frozen=True)
class PriceCheck:
    """What a customer pays for ``quantity`` of a product: the price and the line's totals."""

    product: Product
    price: Price
    totals: Totals


def price_check(
    user: Any,
    *,
    product: Product,
    quantity: Decimal | str,
    currency: str,
    on: datetime.date | None = None,
    customer_id: int | None = None,
    channel: str = "",
) -> PriceCheck:
    """:func:`~heartline.catalogue.pricing.price_for` and the totals of one line of it, as a
    deal, quote or order would show them. Raises ``NoPrice`` when there is none."""
    _require_view(user)
    price = price_for(
        product,
        quantity,
        currency=currency,
        context=PriceContext(customer_id=customer_id, channel=channel, on=on),
    )
    line = LineInput(quantity=price.quantity, unit_price=price.unit_price, tax_rate=price.tax_rate)
    totals = compute_totals([line], price.currency, tax_inclusive=price.tax_inclusive)
    return PriceCheck(product=product, price=price, totals=totals)
