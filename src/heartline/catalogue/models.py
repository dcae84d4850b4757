"""The catalogue: products and services, categories with their tax rate, price lists."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from heartline.catalogue.money import DEFAULT_CURRENCY


def bilingual(english: str, chinese: str) -> str:
    """The name in the active language, falling back to the other one."""
    if (get_language() or "").lower().startswith("zh"):
        return chinese or english
    return english or chinese


class Category(models.Model):
    """A product category; its tax rate applies to every product in it."""

    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.13"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.9999"))],
        help_text=_("0.13 for 13 % VAT."),
    )

    class Meta:
        ordering = ["name_en", "name_zh", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return bilingual(self.name_en, self.name_zh) or f"#{self.pk}"


class Product(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRODUCT)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True, max_length=5000)
    description_zh = models.TextField(_("description (Chinese)"), blank=True, max_length=5000)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("e.g. 件, pcs, h"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name_en="", name_zh=""), name="product_has_a_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sku} {bilingual(self.name_en, self.name_zh)}"

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh)

    @property
    def tax_rate(self) -> Decimal:
        return self.category.tax_rate if self.category_id else Decimal(0)  # type: ignore[union-attr]


class ProductImage(models.Model):
    """An image of a product, decoded and re-encoded on upload (never stored as sent)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="catalogue/%Y/%m/", max_length=200)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.pk}"


class PriceList(models.Model):
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    tax_inclusive = models.BooleanField(
        _("prices include tax"), default=False, help_text=_("Consumer prices in China usually do.")
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Where lists overlap, the lowest number wins.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="price_list_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListItem(models.Model):
    """The unit price of a product in a list from ``min_quantity`` on (quantity breaks)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    min_quantity = models.DecimalField(
        _("from quantity"), max_digits=12, decimal_places=3, default=Decimal(1)
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["price_list", "product", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "min_quantity"], name="price_break_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0) & models.Q(min_quantity__gt=0),
                name="price_break_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ≥{self.min_quantity}: {self.unit_price}"
