"""Forms of the catalogue pages. They parse input; the services validate and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from heartline.catalogue.models import Category, PriceList, Product
from heartline.catalogue.money import DEFAULT_CURRENCY

ACTIVE_CHOICES = [("", _("Active and inactive")), ("yes", _("Active")), ("no", _("Inactive"))]


class ProductSearchForm(forms.Form):
    q = forms.CharField(label=_("SKU or name"), max_length=100, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    active = forms.ChoiceField(label=_("Status"), choices=ACTIVE_CHOICES, required=False)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments of ``products_for_user`` (none when the form is not valid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"],
            "category_id": data["category"].pk if data["category"] else None,
            "active": {"yes": True, "no": False}.get(data["active"]),
        }


class ProductForm(forms.Form):
    sku = forms.CharField(
        label=_("SKU"),
        max_length=64,
        help_text=_("Letters, digits and . _ / -; stored in capitals."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Product.Kind.choices)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200, required=False)
    description_en = forms.CharField(
        label=_("Description (English)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description_zh = forms.CharField(
        label=_("Description (Chinese)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("No category (no tax)"),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=20, required=False, help_text=_("e.g. 件, pcs, h")
    )
    active = forms.BooleanField(label=_("Active (can be sold)"), required=False, initial=True)

    @classmethod
    def for_product(cls, product: Product) -> ProductForm:
        return cls(
            initial={
                "sku": product.sku,
                "kind": product.kind,
                "name_en": product.name_en,
                "name_zh": product.name_zh,
                "description_en": product.description_en,
                "description_zh": product.description_zh,
                "category": product.category_id,
                "unit": product.unit,
                "active": product.active,
            }
        )

    def disable(self) -> None:
        for field in self.fields.values():
            field.disabled = True


class ImageForm(forms.Form):
    image = forms.FileField(
        label=_("Image"),
        help_text=_("JPEG, PNG or WebP. It is checked and saved again without its metadata."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class CategoryForm(forms.Form):
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120, required=False)
    tax_percent = forms.DecimalField(
        label=_("Tax rate (%)"),
        min_value=Decimal(0),
        max_value=Decimal("99.99"),
        max_digits=4,
        decimal_places=2,
        initial=Decimal(13),
        help_text=_("13 for 13 % VAT."),
    )

    @classmethod
    def for_category(cls, category: Category, **kwargs: Any) -> CategoryForm:
        initial = {
            "name_en": category.name_en,
            "name_zh": category.name_zh,
            "tax_percent": (category.tax_rate * 100).normalize(),
        }
        return cls(initial=initial, **kwargs)

    def attach_to(self, form_id: str) -> CategoryForm:
        """Inputs placed in a table row, submitted by the ``<form id=form_id>`` of the row."""
        for field in self.fields.values():
            field.widget.attrs["form"] = form_id
        return self

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name_en": data["name_en"],
            "name_zh": data["name_zh"],
            "tax_rate": data["tax_percent"] / 100,
        }


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        initial=DEFAULT_CURRENCY,
        help_text=_("ISO 4217 code: CNY, USD, EUR, JPY…"),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Inclusive. Leave both dates empty for a list that is always valid."),
    )
    tax_inclusive = forms.BooleanField(label=_("Prices include tax"), required=False)
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=32767,
        initial=100,
        help_text=_("Where lists overlap, the lowest number wins."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def for_list(cls, price_list: PriceList) -> PriceListForm:
        names = ("name", "currency", "valid_from", "valid_until", "tax_inclusive", "priority")
        initial = {name: getattr(price_list, name) for name in (*names, "active")}
        return cls(initial=initial)


class ItemForm(forms.Form):
    """A price in a list: of the product named by SKU (list page) or in the chosen list
    (product page)."""

    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    price_list = forms.ModelChoiceField(
        label=_("Price list"), queryset=PriceList.objects.all(), required=False
    )
    min_quantity = forms.DecimalField(
        label=_("From quantity"),
        max_digits=12,
        decimal_places=3,
        initial=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=18, decimal_places=4, min_value=Decimal(0)
    )

    def __init__(self, *args: Any, by: str = "sku", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        drop = "price_list" if by == "sku" else "sku"
        del self.fields[drop]
        self.fields["sku" if by == "sku" else "price_list"].required = True


class PriceCheckForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=3,
        initial=Decimal(1),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=DEFAULT_CURRENCY)
    on = forms.DateField(
        label=_("On"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty for today."),
    )
