"""From what a caller asks to priced lines: products by SKU or id, prices from the one price
calculation (:func:`heartline.catalogue.pricing.prices_for`, one query for all the lines of
an order or of a batch), a fingerprint of the request.

Used by orders (``services``) and by the quote editor (``quotes``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from heartline.catalogue.models import Product
from heartline.catalogue.money import ZERO, to_decimal
from heartline.catalogue.pricing import NoPrice, Price, PriceContext, prices_for
from heartline.customers.models import Customer
from heartline.orders.documents import LineDraft

SHIPPING_KEYS = ("name", "phone", "text", "city", "postcode", "country")
UNIT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class OrderLineRequest:
    """A line as a caller asks for it: a product (by SKU or id) or a described item."""

    quantity: Decimal | int | str
    sku: str = ""
    product_id: int | None = None
    unit_price: Decimal | str | None = None  # overrides the price list: needs orders.manage
    description: str = ""
    discount_percent: Decimal | str = ZERO
    tax_rate: Decimal | str | None = None  # default: the product's category rate


def may_override_prices(actor: Any) -> bool:
    """A trusted internal caller (None) or staff who may manage orders."""
    return actor is None or actor.has_perm("orders.manage")


def products_named(lines: Sequence[OrderLineRequest]) -> dict[str, Product]:
    """The products the lines name, keyed "sku:<sku>" and "id:<id>", in one query."""
    skus = {line.sku for line in lines if line.sku}
    ids = {line.product_id for line in lines if line.product_id is not None}
    if not skus and not ids:
        return {}
    rows = Product.objects.select_related("category").filter(Q(sku__in=skus) | Q(pk__in=ids))
    found: dict[str, Product] = {}
    for product in rows:
        found[f"sku:{product.sku}"] = product
        found[f"id:{product.pk}"] = product
    return found


def _product_of(
    index: int, line: OrderLineRequest, products: dict[str, Product]
) -> tuple[Product | None, list[str]]:
    if line.sku and line.product_id is not None:
        product = products.get(f"id:{line.product_id}")
        if product is None or product.sku != line.sku:
            return None, [_("The SKU and the product id name different products.")]
        return product, []
    if line.sku:
        product = products.get(f"sku:{line.sku}")
        if product is None:
            return None, [_("Unknown SKU %(sku)s.") % {"sku": line.sku[:64]}]
        return product, []
    if line.product_id is not None:
        product = products.get(f"id:{line.product_id}")
        if product is None:
            return None, [_("Unknown product %(id)s.") % {"id": line.product_id}]
        return product, []
    if line.unit_price is None or not line.description.strip():
        return None, [_("Name a product (sku or product_id), or give a description and price.")]
    return None, []


def _quantity_problems(quantity: Any) -> list[str]:
    try:
        value = to_decimal(quantity)
    except (ValidationError, TypeError):
        return [_("The quantity is not a number.")]
    return [] if value > 0 else [_("The quantity must be more than zero.")]


def resolve_products(
    lines: Sequence[OrderLineRequest], products: dict[str, Product] | None = None
) -> list[Product | None]:
    """The product of each line (``products``: from :func:`products_named`, for a batch)."""
    if not lines:
        raise ValidationError({"lines": [_("An order needs at least one line.")]})
    if products is None:
        products = products_named(lines)
    resolved: list[Product | None] = []
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        product, problems = _product_of(index, line, products)
        if product is not None and not product.active:
            problems.append(_("%(sku)s is not for sale.") % {"sku": product.sku})
        problems += _quantity_problems(line.quantity)
        if problems:
            errors[f"lines[{index}]"] = problems
        resolved.append(product)
    if errors:
        raise ValidationError(errors)
    return resolved


def product_name(product: Product, language: str) -> str:
    """The product's name in ``language`` (en or zh-hans), else in the other one."""
    if language.lower().startswith("zh"):
        return product.name_zh or product.name_en
    return product.name_en or product.name_zh


def convert_price(
    unit: Decimal, rate: Decimal, *, from_inclusive: bool, to_inclusive: bool
) -> Decimal:
    """A unit price from one tax convention to the other, to the fourth decimal (as deals do)."""
    if from_inclusive == to_inclusive:
        return unit
    converted = unit * (1 + rate) if to_inclusive else unit / (1 + rate)
    return converted.quantize(UNIT_PLACES, rounding=ROUND_HALF_UP)


def list_priced(lines: Sequence[OrderLineRequest], products: Sequence[Product | None]) -> list[int]:
    """The indexes of the lines priced from the price lists: a product and no given price."""
    return [
        index
        for index, (line, product) in enumerate(zip(lines, products, strict=True))
        if line.unit_price is None and product is not None
    ]


def line_prices(
    lines: Sequence[OrderLineRequest],
    products: Sequence[Product | None],
    *,
    currency: str,
    context: PriceContext,
) -> list[Price | NoPrice]:
    """The prices of the lines :func:`list_priced` names, in one query
    (:func:`heartline.catalogue.pricing.prices_for`)."""
    wanted = list_priced(lines, products)
    items: list[tuple[Product, Decimal | int | str]] = []
    for i in wanted:
        product = products[i]
        assert product is not None  # list_priced names lines with a product
        items.append((product, lines[i].quantity))
    try:
        return prices_for(items, currency=currency, context=context)
    except ValidationError as exc:  # a quantity (resolve_products checks them first)
        named = {f"items[{k}]": f"lines[{i}]" for k, i in enumerate(wanted)}
        raise ValidationError({named[k]: v for k, v in exc.message_dict.items()}) from exc


def price_lines(
    lines: Sequence[OrderLineRequest],
    products: Sequence[Product | None],
    *,
    customer: Customer,
    currency: str,
    channel: str,
    tax_inclusive: bool | None,
    prices: Sequence[Price | NoPrice] | None = None,
) -> tuple[list[LineDraft], bool]:
    """Drafts with their prices decided, and whether the prices include tax.

    ``prices``: those of the lines :func:`list_priced` names when the caller asked for them
    already (a batch of orders asks once for all); else they are asked here in one query.
    Without ``tax_inclusive`` the order follows its price lists (net when they disagree);
    a list price of the other convention is converted, as on deals."""
    if prices is None:
        context = PriceContext(customer_id=customer.pk, channel=channel)
        prices = line_prices(lines, products, currency=currency, context=context)
    errors: dict[str, list[str]] = {}
    found: dict[int, Price] = {}
    for index, result in zip(list_priced(lines, products), prices, strict=True):
        if isinstance(result, NoPrice):
            errors[f"lines[{index}]"] = [str(result)]
        else:
            found[index] = result
    if errors:
        raise ValidationError(errors)
    if tax_inclusive is None:
        modes = {price.tax_inclusive for price in found.values()}
        tax_inclusive = modes.pop() if len(modes) == 1 else False
    drafts: list[LineDraft] = []
    for index, (line, product) in enumerate(zip(lines, products, strict=True)):
        rate = to_decimal(line.tax_rate) if line.tax_rate is not None else None
        if rate is None:
            rate = product.tax_rate if product is not None else ZERO
        if index in found:
            price = found[index]
            unit = convert_price(
                price.unit_price,
                price.tax_rate,
                from_inclusive=price.tax_inclusive,
                to_inclusive=tax_inclusive,
            )
        else:
            unit = to_decimal(line.unit_price)
        drafts.append(
            LineDraft(
                description=line.description.strip()
                or (product_name(product, customer.language) if product else ""),
                quantity=to_decimal(line.quantity),
                unit_price=unit,
                tax_rate=rate,
                discount_percent=to_decimal(line.discount_percent),
                product_id=product.pk if product else None,
                sku=product.sku if product else "",
                unit=product.unit if product else "",
            )
        )
    return drafts, tax_inclusive


def clean_shipping(address: dict[str, Any] | None) -> dict[str, str]:
    address = address or {}
    unknown = set(address) - set(SHIPPING_KEYS)
    if unknown:
        raise ValidationError(
            {"shipping_address": [_("Known fields: %s") % ", ".join(SHIPPING_KEYS)]}
        )
    return {k: str(v).strip()[:300] for k, v in address.items() if str(v).strip()}


def request_hash(**parts: Any) -> str:
    """A fingerprint of what was asked, to tell a retry from a different order under one key."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(
    customer: Customer, currency: str, lines: Sequence[OrderLineRequest], **rest: Any
) -> str:
    def number(value: Any) -> str | None:
        return None if value is None else format(to_decimal(value).normalize(), "f")

    return request_hash(
        customer=customer.pk,
        currency=currency,
        lines=[
            [
                line.sku,
                line.product_id,
                number(line.quantity),
                number(line.unit_price),
                line.description.strip(),
                number(line.discount_percent),
                number(line.tax_rate),
            ]
            for line in lines
        ],
        **rest,
    )
