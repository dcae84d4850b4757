"""The price check: the price a customer gets for a product, a quantity, a currency and a day,
with the reasons — the same ``price_for`` deals, quotes and orders use."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from heartline.catalogue import selectors
from heartline.catalogue.money import format_money, plain, price_text
from heartline.catalogue.pricing import NoPrice
from heartline.core.access import requires
from heartline.web.views.catalogue.forms import PriceCheckForm
from heartline.web.views.staff import attach_errors


def result_of(request: HttpRequest, form: PriceCheckForm) -> dict[str, Any] | None:
    """The price for the form's input, for the template; errors go onto the form."""
    data = form.cleaned_data
    product = selectors.product_by_sku(request.user, data["sku"])
    if product is None:
        form.add_error("sku", _("There is no product with this SKU."))
        return None
    try:
        check = selectors.price_check(
            request.user,
            product=product,
            quantity=data["quantity"],
            currency=data["currency"],
            on=data["on"],
            channel="web",
        )
    except NoPrice as exc:
        return {"product": product, "no_price": str(exc)}
    except ValidationError as error:
        if getattr(error, "code", None) == "currency":
            form.add_error("currency", error)
        else:
            attach_errors(form, error)
        return None
    price, line = check.price, check.totals.lines[0]
    language = getattr(request, "LANGUAGE_CODE", "en")
    return {
        "product": product,
        "price": price,
        "quantity": plain(price.quantity),
        "unit_price": price_text(price.unit_price, price.currency),
        "list_price": price_text(price.list_price, price.currency),
        "adjusted": price.unit_price != price.list_price,
        "tax_percent": plain(price.tax_rate * 100),
        "line": {
            name: format_money(getattr(line, name), price.currency, language)
            for name in ("gross", "discount", "net", "tax", "total")
        },
    }


@requires("catalogue.view")
@require_GET
def price_check(request: HttpRequest) -> HttpResponse:
    form = PriceCheckForm(request.GET if "sku" in request.GET else None)
    result = result_of(request, form) if form.is_bound and form.is_valid() else None
    context = {"check_form": form, "result": result, "tab": "price_check"}
    status = 400 if form.errors else 200
    if getattr(request, "htmx", False):
        return render(request, "catalogue/_price_check_result.html", context, status=status)
    return render(request, "catalogue/price_check.html", context, status=status)
