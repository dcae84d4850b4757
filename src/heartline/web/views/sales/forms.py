"""Forms of the deal pages. They parse and validate input; the sales services do the writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from heartline.catalogue.models import Product
from heartline.sales.lines import DealLineInput
from heartline.sales.models import Deal, LostReason, Pipeline, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _staff() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class DealForm(forms.Form):
    """The details of a deal (new or changed); the customer and the stage are not here."""

    title = forms.CharField(label=_("Title"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=Decimal(0),
        max_digits=18,
        decimal_places=4,
        help_text=_("Without tax. With product lines, the amount is their net total."),
    )
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        required=False,
        help_text=_("ISO 4217, e.g. CNY. Empty: the pipeline's currency."),
    )
    tax_inclusive = forms.BooleanField(label=_("Prices include tax"), required=False)
    expected_close = forms.DateField(label=_("Expected close date"), required=False, widget=DATE)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_staff(), required=False)
    competitors = forms.CharField(
        label=_("Competitors"),
        max_length=1000,
        required=False,
        help_text=_("Separated by commas."),
    )

    def competitor_list(self) -> list[str]:
        text = self.cleaned_data.get("competitors") or ""
        return [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]


class DealCreateForm(DealForm):
    customer = forms.CharField(
        label=_("Customer"),
        max_length=254,
        help_text=_("A phone number, an e-mail address, a member number or #id."),
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.filter(active=True), empty_label=None
    )
    field_order = ["customer", "title", "pipeline"]


class LineForm(forms.Form):
    sku = forms.CharField(label=_("Product (SKU)"), max_length=64, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        required=False,
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        required=False,
        min_value=Decimal(0),
        max_digits=18,
        decimal_places=4,
        help_text=_("Empty: the catalogue price."),
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("sku") or data.get("description") or data.get("quantity"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.is_blank():
            return data
        if not data.get("quantity"):
            self.add_error("quantity", _("Give the quantity."))
        sku = (data.get("sku") or "").strip()
        if sku:
            product = Product.objects.filter(sku__iexact=sku).first()
            if product is None:
                self.add_error("sku", _("There is no product with this SKU."))
            data["product"] = product
        elif data.get("unit_price") is None:
            self.add_error("unit_price", _("Give the unit price of a line without a product."))
        return data

    def line_input(self) -> DealLineInput:
        data = self.cleaned_data
        product = data.get("product")
        return DealLineInput(
            quantity=data["quantity"],
            product_id=product.pk if product is not None else None,
            description=data.get("description") or "",
            unit_price=data.get("unit_price"),
            discount_percent=data.get("discount_percent") or Decimal(0),
        )


LineFormSet = forms.formset_factory(LineForm, extra=2, max_num=100, validate_max=True)


def line_initial(deal: Deal) -> list[dict[str, Any]]:
    return [
        {
            "sku": line.product.sku if line.product_id else "",  # type: ignore[union-attr]
            "description": line.description,
            "quantity": line.quantity.normalize(),
            "unit_price": line.unit_price.normalize(),
            "discount_percent": line.discount_percent.normalize() or None,
        }
        for line in deal.lines.select_related("product")
    ]


class MoveForm(forms.Form):
    """A stage change without dragging (keyboard users, and the board without JavaScript)."""

    stage = forms.ModelChoiceField(
        label=_("Stage"), queryset=Stage.objects.none(), empty_label=None
    )
    lost_reason = forms.ModelChoiceField(
        label=_("Lost reason"),
        queryset=LostReason.objects.filter(active=True),
        required=False,
        help_text=_("Needed to move the deal to a lost stage."),
    )
    lost_note = forms.CharField(label=_("Lost because"), max_length=300, required=False)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"stage": deal.stage_id})
        super().__init__(*args, **kwargs)
        stages = Stage.objects.filter(pipeline_id=deal.pipeline_id).order_by("position", "id")
        self.fields["stage"].queryset = stages  # type: ignore[attr-defined]


class BoardMoveForm(MoveForm):
    """The board posts a stage by id (any stage: the rules say whether it is this pipeline's)."""

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, deal=deal, **kwargs)
        self.fields["stage"].queryset = Stage.objects.all()  # type: ignore[attr-defined]


class DealFilterForm(forms.Form):
    q = forms.CharField(label=_("Title or customer"), max_length=100, required=False)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.all(), required=False
    )
    stage = forms.ModelChoiceField(
        label=_("Stage"), queryset=Stage.objects.select_related("pipeline"), required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_staff(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *list(Deal.Status.choices)], required=False
    )
    close_from = forms.DateField(label=_("Closing from"), required=False, widget=DATE)
    close_to = forms.DateField(label=_("Closing until"), required=False, widget=DATE)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    dry_run = forms.BooleanField(
        label=_("Dry run: check every row, change nothing"), required=False, initial=True
    )
