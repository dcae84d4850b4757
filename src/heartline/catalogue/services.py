"""Every write to the catalogue: products, categories, price lists and their prices.

Keyword-only functions ``<entity>_<verb>(*, actor, …)``, one transaction each: the permission
(``catalogue.manage``) is checked before anything is written, then the input is validated,
written, audited and announced (``catalogue.events``). ``actor=None`` is the system (demo
data, commands) and skips the permission check.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from heartline.catalogue.events import PriceListChanged, ProductChanged
from heartline.catalogue.images import delete_files
from heartline.catalogue.models import Category, PriceList, PriceListItem, Product
from heartline.catalogue.money import currency_code, to_decimal
from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry

MANAGE = "catalogue.manage"
SKU_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._/-]{0,63}")
PRODUCT_FIELDS = (
    "sku",
    "kind",
    "name_en",
    "name_zh",
    "description_en",
    "description_zh",
    "category",
    "unit",
    "active",
)
QUANTITY_LIMIT = Decimal(10) ** 9  # PriceListItem.min_quantity: 12 digits, 3 after the point
PRICE_LIMIT = Decimal(10) ** 14  # PriceListItem.unit_price: 18 digits, 4 after the point
CATEGORY_FIELDS = ("name_en", "name_zh", "tax_rate")
PRICE_LIST_FIELDS = (
    "name",
    "currency",
    "valid_from",
    "valid_until",
    "tax_inclusive",
    "priority",
    "active",
)


class SkuTaken(Conflict):
    """The SKU belongs to another product (the API answers 409)."""

    def __init__(self, existing: Product) -> None:
        self.existing_product_id = existing.pk
        super().__init__(
            _("SKU %(sku)s already belongs to product #%(id)s.")
            % {"sku": existing.sku, "id": existing.pk},
            code="sku_taken",
            details={"existing_product_id": existing.pk, "sku": existing.sku},
        )


def _require(actor: Any, perm: str = MANAGE) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))


def _clean(instance: models.Model, fields: tuple[str, ...]) -> None:
    """``full_clean`` reporting only the fields being written (uniqueness is checked apart)."""
    concrete = {f.name for f in instance._meta.concrete_fields}
    exclude = [name for name in concrete if name not in fields]
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def exact_decimal(field: str, value: Any, *, places: int, below: Decimal) -> Decimal:
    """``value`` as a Decimal with ``places`` decimal places, ``0 <= value < below``; never
    rounded (more places are an error), floats refused."""
    try:
        number = to_decimal(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    if number < 0:
        raise ValidationError({field: [_("The number must not be negative.")]})
    if number >= below:
        raise ValidationError(
            {field: [_("The number must be less than %(limit)s.") % {"limit": f"{below:,f}"}]}
        )
    step = Decimal(1).scaleb(-places)
    if number.quantize(step) != number:
        raise ValidationError(
            {field: [_("Use at most %(places)s decimal places.") % {"places": places}]}
        )
    return number.quantize(step)


# --- Products --------------------------------------------------------------------------------
def normalise_sku(raw: Any) -> str:
    """A SKU as stored: trimmed and upper-case; letters, digits and ``. _ / -``."""
    sku = raw.strip().upper() if isinstance(raw, str) else ""
    if not SKU_PATTERN.fullmatch(sku):
        raise ValidationError(
            {
                "sku": [
                    _(
                        "A SKU is 1 to 64 letters (A–Z), digits and . _ / -, starting with a "
                        "letter or digit."
                    )
                ]
            }
        )
    return sku


def _check_sku_free(sku: str, *, product_id: int | None = None) -> None:
    others = Product.objects.filter(sku=sku)
    if product_id is not None:
        others = others.exclude(pk=product_id)
    taken = others.first()
    if taken is not None:
        raise SkuTaken(taken)


def _check_product(product: Product) -> None:
    if not product.name_en and not product.name_zh:
        raise ValidationError({"name_en": [_("Give the name in English or in Chinese (or both).")]})
    _clean(product, PRODUCT_FIELDS)


def _save_product(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:  # a concurrent request took the SKU between the check and the write
        _check_sku_free(product.sku, product_id=product.pk)
        raise


@transaction.atomic
def product_create(
    *,
    actor: Any,
    sku: str,
    name_en: str = "",
    name_zh: str = "",
    kind: str = Product.Kind.PRODUCT,
    description_en: str = "",
    description_zh: str = "",
    category: Category | None = None,
    unit: str = "",
    active: bool = True,
) -> Product:
    """Create a product or service; raises :class:`SkuTaken` when the SKU is in use."""
    _require(actor)
    product = Product(
        sku=normalise_sku(sku),
        kind=kind,
        name_en=_text(name_en),
        name_zh=_text(name_zh),
        description_en=_text(description_en),
        description_zh=_text(description_zh),
        category=category,
        unit=_text(unit),
        active=active,
    )
    _check_product(product)
    _check_sku_free(product.sku)
    _save_product(product)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=product,
        changes=audit.diff({}, audit.snapshot(product, PRODUCT_FIELDS)),
    )
    publish(ProductChanged(product_id=product.pk, fields=list(PRODUCT_FIELDS)))
    return product


@transaction.atomic
def product_update(*, actor: Any, product: Product, **fields: Any) -> Product:
    """Change some fields of a product (``sku``, names, descriptions, category, unit, …)."""
    _require(actor)
    _unknown(fields, PRODUCT_FIELDS)
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = audit.snapshot(product, PRODUCT_FIELDS)
    for name, value in fields.items():
        setattr(product, name, normalise_sku(value) if name == "sku" else _text(value))
    _check_product(product)
    changes = audit.diff(before, audit.snapshot(product, PRODUCT_FIELDS))
    if not changes:
        return product
    if "sku" in changes:
        _check_sku_free(product.sku, product_id=product.pk)
    _save_product(product)
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=product, changes=changes)
    publish(ProductChanged(product_id=product.pk, fields=sorted(changes)))
    return product


def product_is_referenced(product: Product) -> bool:
    """Whether a row outside the catalogue (a deal, quote or order line…) refers to it."""
    for relation in Product._meta.get_fields(include_hidden=True):  # "+" relations too
        if not isinstance(relation, models.ForeignObjectRel):
            continue
        model = relation.related_model
        if not isinstance(model, type) or model._meta.app_label == "catalogue":
            continue
        if model._base_manager.filter(**{relation.field.name: product.pk}).exists():
            return True
    return False


@transaction.atomic
def product_delete(*, actor: Any, product: Product) -> bool:
    """Delete a product nobody refers to; one on a deal, quote or order is deactivated instead,
    so the documents keep it. Returns True when it was deleted."""
    _require(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product_is_referenced(product):
        if product.active:
            product.active = False
            product.save(update_fields=["active", "updated_at"])
            audit.record(
                actor=actor,
                action=AuditEntry.Action.UPDATE,
                obj=product,
                changes={"active": [True, False]},
            )
            publish(ProductChanged(product_id=product.pk, fields=["active"]))
        return False
    files = [str(image.file.name) for image in product.images.all()]
    snapshot = audit.snapshot(product, PRODUCT_FIELDS)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=product,
        changes=audit.diff(snapshot, {}),
    )
    product_id = product.pk
    product.delete()
    publish(ProductChanged(product_id=product_id, fields=["deleted"]))
    if files:
        transaction.on_commit(lambda: delete_files(files))
    return True


# --- Categories ------------------------------------------------------------------------------
def _check_category(category: Category) -> None:
    if not category.name_en and not category.name_zh:
        raise ValidationError({"name_en": [_("Give the name in English or in Chinese (or both).")]})
    category.tax_rate = exact_decimal("tax_rate", category.tax_rate, places=4, below=Decimal(1))
    _clean(category, CATEGORY_FIELDS)


@transaction.atomic
def category_create(
    *, actor: Any, name_en: str = "", name_zh: str = "", tax_rate: Decimal | str = "0.13"
) -> Category:
    _require(actor)
    category = Category(name_en=_text(name_en), name_zh=_text(name_zh), tax_rate=tax_rate)
    _check_category(category)
    category.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=category,
        changes=audit.diff({}, audit.snapshot(category, CATEGORY_FIELDS)),
    )
    return category


@transaction.atomic
def category_update(*, actor: Any, category: Category, **fields: Any) -> Category:
    """Change a category's names or tax rate (the rate applies to prices asked from now on)."""
    _require(actor)
    _unknown(fields, CATEGORY_FIELDS)
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = audit.snapshot(category, CATEGORY_FIELDS)
    for name, value in fields.items():
        setattr(category, name, _text(value))
    _check_category(category)
    changes = audit.diff(before, audit.snapshot(category, CATEGORY_FIELDS))
    if changes:
        category.save()
        audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=category, changes=changes)
    return category


@transaction.atomic
def category_delete(*, actor: Any, category: Category) -> None:
    """Delete an empty category; one that still has products is refused."""
    _require(actor)
    category = Category.objects.select_for_update().get(pk=category.pk)
    if category.products.exists():
        raise ValidationError(
            _("%(category)s still has products: move them to another category first.")
            % {"category": category}
        )
    audit.record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=category,
        changes=audit.diff(audit.snapshot(category, CATEGORY_FIELDS), {}),
    )
    category.delete()


# --- Price lists -----------------------------------------------------------------------------
def _check_price_list(price_list: PriceList) -> None:
    price_list.name = _text(price_list.name)
    if not price_list.name:
        raise ValidationError({"name": [_("Give the price list a name.")]})
    try:
        price_list.currency = currency_code(price_list.currency)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc
    start, end = price_list.valid_from, price_list.valid_until
    for value in (start, end):
        if value is not None and not isinstance(value, datetime.date):
            raise ValidationError({"valid_from": [_("Dates are written 2025-01-31.")]})
    if start is not None and end is not None and end < start:
        raise ValidationError(
            {"valid_until": [_("The list cannot end before it starts (%(day)s).") % {"day": start}]}
        )
    _clean(price_list, PRICE_LIST_FIELDS)


@transaction.atomic
def price_list_create(
    *,
    actor: Any,
    name: str,
    currency: str = "CNY",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    tax_inclusive: bool = False,
    priority: int = 100,
    active: bool = True,
) -> PriceList:
    _require(actor)
    price_list = PriceList(
        name=name,
        currency=currency,
        valid_from=valid_from,
        valid_until=valid_until,
        tax_inclusive=tax_inclusive,
        priority=priority,
        active=active,
    )
    _check_price_list(price_list)
    price_list.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=price_list,
        changes=audit.diff({}, audit.snapshot(price_list, PRICE_LIST_FIELDS)),
    )
    publish(PriceListChanged(price_list_id=price_list.pk, product_ids=[]))
    return price_list


@transaction.atomic
def price_list_update(*, actor: Any, price_list: PriceList, **fields: Any) -> PriceList:
    """Change a price list. Its currency can only change while it holds no prices."""
    _require(actor)
    _unknown(fields, PRICE_LIST_FIELDS)
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    before = audit.snapshot(price_list, PRICE_LIST_FIELDS)
    for name, value in fields.items():
        setattr(price_list, name, value)
    _check_price_list(price_list)
    changes = audit.diff(before, audit.snapshot(price_list, PRICE_LIST_FIELDS))
    if not changes:
        return price_list
    if "currency" in changes and price_list.items.exists():
        raise ValidationError(
            {
                "currency": [
                    _(
                        "The list already has prices in %(currency)s: create a new list for "
                        "another currency."
                    )
                    % {"currency": before["currency"]}
                ]
            }
        )
    price_list.save()
    audit.record(actor=actor, action=AuditEntry.Action.UPDATE, obj=price_list, changes=changes)
    product_ids = list(price_list.items.values_list("product_id", flat=True).distinct())
    publish(PriceListChanged(price_list_id=price_list.pk, product_ids=sorted(product_ids)))
    return price_list


def _item_label(item: PriceListItem, product: Product) -> str:
    return f"{product.sku} ≥{item.min_quantity.normalize():f}"


@transaction.atomic
def price_list_item_set(
    *,
    actor: Any,
    price_list: PriceList,
    product: Product,
    unit_price: Decimal | str,
    min_quantity: Decimal | str = "1",
) -> tuple[PriceListItem, bool]:
    """The unit price of ``product`` in ``price_list`` from ``min_quantity`` on (a quantity
    break): added, or changed when that break exists. Returns ``(item, created)``."""
    _require(actor)
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    quantity = exact_decimal("min_quantity", min_quantity, places=3, below=QUANTITY_LIMIT)
    price = exact_decimal("unit_price", unit_price, places=4, below=PRICE_LIMIT)
    if quantity == 0:
        raise ValidationError(
            {"min_quantity": [_("The quantity of a price break must be more than zero.")]}
        )
    item = PriceListItem.objects.filter(
        price_list=price_list, product=product, min_quantity=quantity
    ).first()
    created = item is None
    old_price = None if item is None else item.unit_price
    if item is None:
        item = PriceListItem(price_list=price_list, product=product, min_quantity=quantity)
    item.unit_price = price
    item.full_clean(exclude=["price_list", "product"], validate_unique=False)
    if not created and old_price == price:
        return item, False
    item.save()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=price_list,
        changes={f"price {_item_label(item, product)}": [old_price, item.unit_price]},
    )
    publish(PriceListChanged(price_list_id=price_list.pk, product_ids=[product.pk]))
    return item, created


@transaction.atomic
def price_list_item_remove(*, actor: Any, item: PriceListItem) -> None:
    _require(actor)
    item = PriceListItem.objects.select_related("product", "price_list").get(pk=item.pk)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=item.price_list,
        changes={f"price {_item_label(item, item.product)}": [item.unit_price, None]},
    )
    item.delete()
    publish(PriceListChanged(price_list_id=item.price_list_id, product_ids=[item.product_id]))
