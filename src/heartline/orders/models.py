"""Quotes (from a deal, sent to the customer, accepted or rejected) and orders from every source.

Both are documents with lines whose values are snapshots (a later price or name change leaves
them as they were) and whose totals are stored as :func:`heartline.catalogue.totals.compute_totals`
returned them — written only by ``orders.documents.apply_totals``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from heartline.catalogue.money import DEFAULT_CURRENCY


class Language(models.TextChoices):
    EN = "en", _("English")
    ZH_HANS = "zh-hans", _("Simplified Chinese")


class Document(models.Model):
    """What quotes and orders share: currency, document discount, tax mode, stored totals."""

    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    discount_percent = models.DecimalField(
        _("document discount (%)"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    discount_amount = models.DecimalField(
        _("document discount"), default=Decimal(0), max_digits=18, decimal_places=4
    )
    tax_inclusive = models.BooleanField(_("prices include tax"), default=False)
    gross = models.DecimalField(_("gross"), default=Decimal(0), max_digits=18, decimal_places=4)
    discount = models.DecimalField(
        _("discount"), default=Decimal(0), max_digits=18, decimal_places=4
    )
    net = models.DecimalField(_("net"), default=Decimal(0), max_digits=18, decimal_places=4)
    tax = models.DecimalField(_("tax"), default=Decimal(0), max_digits=18, decimal_places=4)
    total = models.DecimalField(_("total"), default=Decimal(0), max_digits=18, decimal_places=4)
    # {"0.13": "26.00", …}: the tax per rate, as strings (exact), for the document.
    tax_breakdown = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DocumentLine(models.Model):
    """A snapshot line: what was sold, at which price and tax, and its computed amounts."""

    product = models.ForeignKey(
        "catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4, default=0)
    position = models.PositiveSmallIntegerField(default=0)
    gross = models.DecimalField(default=Decimal(0), max_digits=18, decimal_places=4)
    discount = models.DecimalField(default=Decimal(0), max_digits=18, decimal_places=4)
    net = models.DecimalField(default=Decimal(0), max_digits=18, decimal_places=4)
    tax = models.DecimalField(default=Decimal(0), max_digits=18, decimal_places=4)
    total = models.DecimalField(default=Decimal(0), max_digits=18, decimal_places=4)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class Quote(Document):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    class AnsweredBy(models.TextChoices):
        STAFF = "staff", _("Staff")
        CUSTOMER = "customer", _("Customer (link)")

    # Q-2026-000123, set from the id right after the insert (NULL only inside that transaction).
    number = models.CharField(_("number"), max_length=32, unique=True, null=True)  # noqa: DJ001
    deal = models.ForeignKey(
        "sales.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="quotes",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    language = models.CharField(
        _("language of the document"), max_length=8, choices=Language.choices, default="en"
    )
    valid_until = models.DateField(_("valid until"))
    terms = models.TextField(_("terms"), blank=True, max_length=4000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=254, blank=True)
    times_sent = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=10, choices=AnsweredBy.choices, blank=True)
    answer_note = models.CharField(_("answer note"), max_length=1000, blank=True)
    # The secret half of the customer's accept/reject link (the link is also signed).
    public_token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["deal", "-id"], name="quote_deal_idx"),
            models.Index(fields=["customer", "-id"], name="quote_customer_idx"),
            models.Index(fields=["status", "-id"], name="quote_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class QuoteLine(DocumentLine):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["quote", "position", "id"]


class Order(Document):
    class Source(models.TextChoices):
        QUOTE = "quote", _("Quote")
        PORTAL = "portal", _("Customer portal")
        SHOP = "shop", _("Shop")
        API = "api", _("API")
        MANUAL = "manual", _("By hand")

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=32, unique=True, null=True)  # noqa: DJ001
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    quote = models.OneToOneField(
        Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="order"
    )
    # The caller's key: the same (source, key) always means this order (NULL: no key given).
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    request_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED)
    placed_at = models.DateTimeField(_("placed"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # {"name", "phone", "text", "city", "postcode", "country"} as given when ordering.
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Set by writing.place_many on the orders it has just written: their lines and first
    # step, so the answer needs not read them back. Not fields.
    written_lines: list[Any] | None = None
    written_steps: list[Any] | None = None

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "-placed_at", "-id"], name="order_customer_idx"),
            # What a customer spent, read from the index alone (no table rows): the totals of
            # the order history and the 360, as fast at 10,000 orders as the page itself.
            models.Index(
                fields=["customer", "currency", "status", "total"], name="order_totals_idx"
            ),
            models.Index(fields=["status", "-id"], name="order_status_idx"),
            models.Index(fields=["-placed_at", "-id"], name="order_placed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"], name="order_idempotency_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class OrderLine(DocumentLine):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["order", "position", "id"]


class OrderStatusChange(models.Model):
    """Each step of an order's lifecycle (the first one is its placing)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=16, blank=True)  # web, api, quote, portal, shop, system
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["order", "at", "id"]
        constraints = [
            # Each status is entered once (the lifecycle has no cycles): a retry cannot repeat it.
            models.UniqueConstraint(fields=["order", "to_status"], name="order_status_once")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"
