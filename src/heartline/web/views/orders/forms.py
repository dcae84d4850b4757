"""Forms of the quote editor, the send dialog, answers and the order lifecycle."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from heartline.orders.models import Language, Order, Quote
from heartline.orders.rendering import plain
from heartline.orders.services import OrderLineRequest

MAX_EDITOR_LINES = 100
HUNDRED = Decimal(100)


class QuoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language of the document"), choices=Language.choices)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    tax_inclusive = forms.BooleanField(label=_("Prices include tax"), required=False)
    discount_percent = forms.DecimalField(
        label=_("Discount on the whole quote (%)"),
        min_value=Decimal(0),
        max_value=HUNDRED,
        decimal_places=2,
        required=False,
    )
    discount_amount = forms.DecimalField(
        label=_("Discount on the whole quote (amount)"),
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=4,
        required=False,
    )
    terms = forms.CharField(
        label=_("Terms"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty for the standard terms."),
    )

    @classmethod
    def for_quote(cls, quote: Quote) -> QuoteForm:
        return cls(
            initial={
                "title": quote.title,
                "language": quote.language,
                "valid_until": quote.valid_until,
                "tax_inclusive": quote.tax_inclusive,
                "discount_percent": plain(quote.discount_percent),
                "discount_amount": plain(quote.discount_amount),
                "terms": quote.terms,
            }
        )


class QuoteLineForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.001"), max_digits=11, decimal_places=3
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=4,
        required=False,
        help_text=_("Empty: the price list's price for this customer."),
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        min_value=Decimal(0),
        max_value=HUNDRED,
        decimal_places=2,
        required=False,
    )
    tax_percent = forms.DecimalField(
        label=_("Tax (%)"),
        min_value=Decimal(0),
        max_value=Decimal("99.99"),
        decimal_places=2,
        required=False,
        help_text=_("Empty: the product's tax rate."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("sku") and not data.get("description"):
            raise ValidationError(_("Give a SKU or a description."))
        if not data.get("sku") and data.get("unit_price") is None:
            raise ValidationError(_("A line without a product needs its unit price."))
        return data

    def request(self) -> OrderLineRequest:
        data = self.cleaned_data
        tax = data.get("tax_percent")
        return OrderLineRequest(
            quantity=data["quantity"],
            sku=(data.get("sku") or "").strip(),
            unit_price=data.get("unit_price"),
            description=data.get("description") or "",
            discount_percent=data.get("discount_percent") or Decimal(0),
            tax_rate=None if tax is None else tax / HUNDRED,
        )


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm,
    extra=2,
    can_delete=True,
    max_num=MAX_EDITOR_LINES,
    validate_max=True,
    absolute_max=MAX_EDITOR_LINES + 10,
)


def line_initial(quote: Quote) -> list[dict[str, Any]]:
    return [
        {
            "sku": line.sku,
            "description": line.description,
            "quantity": plain(line.quantity),
            "unit_price": plain(line.unit_price),
            "discount_percent": plain(line.discount_percent),
            "tax_percent": plain(line.tax_rate * HUNDRED),
        }
        for line in quote.lines.order_by("position", "id")
    ]


def line_requests(formset: Any) -> tuple[list[OrderLineRequest], list[int]]:
    """The filled, kept rows as line requests, and the formset index of each."""
    requests: list[OrderLineRequest] = []
    indexes: list[int] = []
    for index, form in enumerate(formset.forms):
        if not form.has_changed() or form.cleaned_data.get("DELETE"):
            continue
        requests.append(form.request())
        indexes.append(index)
    return requests, indexes


class SendForm(forms.Form):
    to = forms.EmailField(label=_("To"), max_length=254)
    note = forms.CharField(
        label=_("Message"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added above the quote in the e-mail."),
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    note = forms.CharField(
        label=_("Note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Order.Status.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ListFilterForm(forms.Form):
    status = forms.CharField(max_length=16, required=False)
    before_at = forms.DateTimeField(required=False)
    before_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
