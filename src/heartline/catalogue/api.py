"""API of the catalogue: products (with the price a customer gets) and price lists.

Amounts, quantities and rates are strings holding exact decimals (see ``schemas``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Path, Query, Router, Status

from heartline.catalogue import selectors, services
from heartline.catalogue.models import Category, PriceList, PriceListItem, Product, ProductImage
from heartline.catalogue.money import DEFAULT_CURRENCY, plain, price_text
from heartline.catalogue.pricing import NoPrice
from heartline.catalogue.schemas import (
    CategoryList,
    CurrencyCode,
    IsoDate,
    ItemIn,
    ItemOut,
    ItemPage,
    PriceListIn,
    PriceListOut,
    PriceListPage,
    PriceListPatch,
    PriceOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    QuantityIn,
)
from heartline.core.api import (
    CursorParams,
    Id,
    PlainText,
    error_response,
    errors,
    paginate,
    permission,
)
from heartline.customers.selectors import customer_for_user

products_router = Router(tags=["catalogue"])
price_lists_router = Router(tags=["catalogue"])


def category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name_en": category.name_en,
        "name_zh": category.name_zh,
        "tax_rate": plain(category.tax_rate),
    }


def image_out(image: ProductImage) -> dict[str, Any]:
    return {
        "id": image.pk,
        "url": reverse("web:catalogue_image", args=[image.pk]),
        "content_type": image.content_type,
        "width": image.width,
        "height": image.height,
        "position": image.position,
    }


def product_out(product: Product, images: list[ProductImage]) -> dict[str, Any]:
    return {
        "id": product.pk,
        "sku": product.sku,
        "kind": product.kind,
        "name": product.name,
        "name_en": product.name_en,
        "name_zh": product.name_zh,
        "description_en": product.description_en,
        "description_zh": product.description_zh,
        "category": category_out(product.category) if product.category else None,
        "tax_rate": plain(product.tax_rate),
        "unit": product.unit,
        "active": product.active,
        "images": [image_out(i) for i in images],
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def _one_product(request: HttpRequest, product: Product) -> dict[str, Any]:
    product = selectors.product_for_user(request.user, product.pk)
    return product_out(product, selectors.images_of(request.user, [product.pk])[product.pk])


def _product_fields(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "category_id" in data:
        category_id = data.pop("category_id")
        data["category"] = (
            None if category_id is None else selectors.category_for_user(request.user, category_id)
        )
    return data


# --- Products --------------------------------------------------------------------------------
@products_router.get("", response={200: ProductPage, **errors()}, summary="Products")
@permission("catalogue.view")
def product_list(
    request: HttpRequest,
    page: Query[CursorParams],
    q: Annotated[PlainText, Field(max_length=100)] = "",
    category_id: Id | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Newest first; ``q`` finds the SKU or the name in either language."""
    products = selectors.products_for_user(
        request.user, q=q, category_id=category_id, active=active
    )
    rows, next_cursor = paginate(request, products, page)
    images = selectors.images_of(request.user, [p.pk for p in rows])
    return {"items": [product_out(p, images[p.pk]) for p in rows], "next_cursor": next_cursor}


@products_router.post(
    "", response={201: ProductOut, **errors(404, 409)}, summary="Create a product or service"
)
@permission("catalogue.manage")
def product_create(request: HttpRequest, payload: ProductIn) -> Status:
    """``409 sku_taken`` with ``details.existing_product_id`` when the SKU is in use."""
    data = _product_fields(request, payload.model_dump())
    product = services.product_create(actor=request.user, **data)
    return Status(201, _one_product(request, product))


@products_router.get(
    "/categories", response={200: CategoryList, **errors()}, summary="Categories and tax rates"
)
@permission("catalogue.view")
def category_list(request: HttpRequest) -> dict[str, Any]:
    return {"items": [category_out(c) for c in selectors.categories_for_user(request.user)]}


@products_router.get(
    "/{product_id}", response={200: ProductOut, **errors(404)}, summary="A product"
)
@permission("catalogue.view")
def product_read(request: HttpRequest, product_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return _one_product(request, selectors.product_for_user(request.user, product_id))


@products_router.patch(
    "/{product_id}", response={200: ProductOut, **errors(404, 409)}, summary="Change a product"
)
@permission("catalogue.manage")
def product_update(
    request: HttpRequest, product_id: Annotated[Id, Path()], payload: ProductPatch
) -> dict[str, Any]:
    product = selectors.product_for_user(request.user, product_id)
    data = payload.model_dump(exclude_unset=True)
    data = _product_fields(request, data)
    product = services.product_update(actor=request.user, product=product, **data)
    return _one_product(request, product)


@products_router.get(
    "/{product_id}/price",
    response={200: PriceOut, **errors(404)},
    summary="The price a customer gets",
)
@permission("catalogue.view")
def product_price(
    request: HttpRequest,
    product_id: Annotated[Id, Path()],
    quantity: QuantityIn = Decimal(1),
    currency: CurrencyCode = DEFAULT_CURRENCY,
    on: IsoDate | None = None,
    customer_id: Id | None = None,
) -> dict[str, Any] | HttpResponse:
    """The one price calculation (``price_for``): list price by currency, day, priority and
    quantity break, then every adjuster, with the reasons. ``404 no_price`` when the product
    has no price in that currency on that day. ``customer_id`` needs ``customers.view``."""
    product = selectors.product_for_user(request.user, product_id)
    if customer_id is not None:
        customer_for_user(request.user, customer_id)
    try:
        check = selectors.price_check(
            request.user,
            product=product,
            quantity=quantity,
            currency=currency,
            on=on,
            customer_id=customer_id,
            channel="api",
        )
    except NoPrice as exc:
        return error_response(404, str(exc), code="no_price")
    price, line = check.price, check.totals.lines[0]
    return {
        "product_id": product.pk,
        "sku": product.sku,
        "quantity": plain(price.quantity),
        "currency": price.currency,
        "unit_price": price_text(price.unit_price, price.currency),
        "list_price": price_text(price.list_price, price.currency),
        "tax_rate": plain(price.tax_rate),
        "tax_inclusive": price.tax_inclusive,
        "price_list_id": price.price_list_id,
        "reasons": list(price.reasons),
        "line": {
            name: f"{getattr(line, name):f}"
            for name in ("gross", "discount", "net", "tax", "total")
        },
    }


# --- Price lists -----------------------------------------------------------------------------
def price_list_out(price_list: PriceList) -> dict[str, Any]:
    return {
        "id": price_list.pk,
        "name": price_list.name,
        "currency": price_list.currency,
        "valid_from": price_list.valid_from,
        "valid_until": price_list.valid_until,
        "tax_inclusive": price_list.tax_inclusive,
        "priority": price_list.priority,
        "active": price_list.active,
        "item_count": price_list.item_count,  # type: ignore[attr-defined]
        "created_at": price_list.created_at,
        "updated_at": price_list.updated_at,
    }


def item_out(item: PriceListItem, currency: str) -> dict[str, Any]:
    return {
        "id": item.pk,
        "product_id": item.product_id,
        "sku": item.product.sku,
        "min_quantity": plain(item.min_quantity),
        "unit_price": price_text(item.unit_price, currency),
    }


@price_lists_router.get("", response={200: PriceListPage, **errors()}, summary="Price lists")
@permission("catalogue.view")
def price_list_list(request: HttpRequest, page: Query[CursorParams]) -> dict[str, Any]:
    rows, next_cursor = paginate(request, selectors.price_lists_for_user(request.user), page)
    return {"items": [price_list_out(p) for p in rows], "next_cursor": next_cursor}


@price_lists_router.post(
    "", response={201: PriceListOut, **errors()}, summary="Create a price list"
)
@permission("catalogue.manage")
def price_list_create(request: HttpRequest, payload: PriceListIn) -> Status:
    price_list = services.price_list_create(actor=request.user, **payload.model_dump())
    return Status(201, price_list_out(selectors.price_list_for_user(request.user, price_list.pk)))


@price_lists_router.get(
    "/{price_list_id}", response={200: PriceListOut, **errors(404)}, summary="A price list"
)
@permission("catalogue.view")
def price_list_read(request: HttpRequest, price_list_id: Annotated[Id, Path()]) -> dict[str, Any]:
    return price_list_out(selectors.price_list_for_user(request.user, price_list_id))


@price_lists_router.patch(
    "/{price_list_id}", response={200: PriceListOut, **errors(404)}, summary="Change a price list"
)
@permission("catalogue.manage")
def price_list_update(
    request: HttpRequest, price_list_id: Annotated[Id, Path()], payload: PriceListPatch
) -> dict[str, Any]:
    price_list = selectors.price_list_for_user(request.user, price_list_id)
    data = payload.model_dump(exclude_unset=True)
    services.price_list_update(actor=request.user, price_list=price_list, **data)
    return price_list_out(selectors.price_list_for_user(request.user, price_list_id))


@price_lists_router.get(
    "/{price_list_id}/items",
    response={200: ItemPage, **errors(404)},
    summary="The prices of a list (newest first)",
)
@permission("catalogue.view")
def item_list(
    request: HttpRequest, price_list_id: Annotated[Id, Path()], page: Query[CursorParams]
) -> dict[str, Any]:
    price_list = selectors.price_list_for_user(request.user, price_list_id)
    rows, next_cursor = paginate(request, selectors.items_of_list(request.user, price_list), page)
    return {"items": [item_out(i, price_list.currency) for i in rows], "next_cursor": next_cursor}


@price_lists_router.post(
    "/{price_list_id}/items",
    response={200: ItemOut, 201: ItemOut, **errors(404)},
    summary="Set a price: add a quantity break or change its price",
)
@permission("catalogue.manage")
def item_set(request: HttpRequest, price_list_id: Annotated[Id, Path()], payload: ItemIn) -> Status:
    """``201`` for a new break, ``200`` when the break existed (its price replaced)."""
    price_list = selectors.price_list_for_user(request.user, price_list_id)
    product = selectors.product_for_user(request.user, payload.product_id)
    item, created = services.price_list_item_set(
        actor=request.user,
        price_list=price_list,
        product=product,
        min_quantity=payload.min_quantity,
        unit_price=payload.unit_price,
    )
    return Status(201 if created else 200, item_out(item, price_list.currency))


@price_lists_router.delete(
    "/{price_list_id}/items/{item_id}",
    response={204: None, **errors(404)},
    summary="Remove a price",
)
@permission("catalogue.manage")
def item_remove(
    request: HttpRequest, price_list_id: Annotated[Id, Path()], item_id: Annotated[Id, Path()]
) -> Status:
    price_list = selectors.price_list_for_user(request.user, price_list_id)
    item = selectors.item_of_list(request.user, price_list, item_id)
    services.price_list_item_remove(actor=request.user, item=item)
    return Status(204, None)
