"""Pipelines with their stages and rules, deals with their lines, and each deal's stage history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from heartline.catalogue.models import bilingual
from heartline.catalogue.money import DEFAULT_CURRENCY


class Pipeline(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    no_skipping = models.BooleanField(
        _("no skipping stages"),
        default=False,
        help_text=_("Open deals move forward one stage at a time."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return bilingual(self.name_en, self.name_zh) or f"#{self.pk}"


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OPEN)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Deal fields that must be filled before a deal may enter this stage, by name (see
    # sales.rules.REQUIRABLE_FIELDS): e.g. ["amount", "expected_close", "lines"].
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=0, probability__lte=100),
                name="stage_probability_range",
            )
        ]

    def __str__(self) -> str:
        return bilingual(self.name_en, self.name_zh) or f"#{self.pk}"


class LostReason(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return bilingual(self.name_en, self.name_zh) or f"#{self.pk}"


class Deal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    # Indexed by the column indexes below (stage first), not on its own.
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", db_index=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    # Net amount (before tax): the lines' net total when the deal has lines, else typed.
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    # The lines' unit prices include tax (as consumer prices in China usually do).
    tax_inclusive = models.BooleanField(_("prices include tax"), default=False)
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    competitors = models.JSONField(_("competitors"), default=list, blank=True)
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("lost reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lost_note = models.CharField(_("lost because"), max_length=300, blank=True)
    # Order of cards within a stage on the board (smaller first); moves renumber sparsely.
    rank = models.BigIntegerField(default=0)
    source = models.CharField(_("source"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["stage", "rank", "id"], name="deal_column_idx"),
            # the board's column totals read this index alone (count and sum per currency)
            models.Index(fields=["stage", "currency", "amount"], name="deal_column_totals_idx"),
            models.Index(fields=["customer", "-id"], name="deal_customer_idx"),
            models.Index(fields=["owner", "status", "expected_close"], name="deal_owner_idx"),
            models.Index(fields=["status", "expected_close"], name="deal_forecast_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class DealLine(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalogue.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4, default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["deal", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description or self.product_id}"


class StageChange(models.Model):
    """Each move of a deal between stages (and its closing), for the timeline and the metrics."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via = models.CharField(max_length=16, blank=True)  # board, api, import, form, lead

    class Meta:
        ordering = ["deal", "at", "id"]
        indexes = [models.Index(fields=["at"], name="stagechange_at_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"
