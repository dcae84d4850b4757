"""Price lists: the list of lists, a list's settings and its prices with quantity breaks."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.catalogue import selectors, services
from heartline.catalogue.models import PriceList, PriceListItem
from heartline.core.access import requires
from heartline.web.views.catalogue.forms import ItemForm, PriceListForm
from heartline.web.views.staff import attach_errors

SETTINGS = ("name", "currency", "valid_from", "valid_until", "tax_inclusive", "priority", "active")


def _list(request: HttpRequest, price_list_id: int) -> PriceList:
    try:
        return selectors.price_list_for_user(request.user, price_list_id)
    except PriceList.DoesNotExist as exc:
        raise Http404 from exc


def _fields(form: PriceListForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in SETTINGS}


def _render_lists(
    request: HttpRequest, *, status: int = 200, form: PriceListForm | None = None
) -> HttpResponse:
    context = {
        "price_lists": selectors.price_lists_for_user(request.user),
        "form": form or PriceListForm(),
        "tab": "price_lists",
    }
    return render(request, "catalogue/price_lists.html", context, status=status)


@requires("catalogue.view")
def price_list_list(request: HttpRequest) -> HttpResponse:
    return _render_lists(request)


@requires("catalogue.manage")
@require_POST
def price_list_create(request: HttpRequest) -> HttpResponse:
    form = PriceListForm(request.POST)
    if form.is_valid():
        try:
            price_list = services.price_list_create(actor=request.user, **_fields(form))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Price list %(name)s created.") % {"name": price_list})
            return redirect("web:catalogue_price_list", price_list.pk)
    return _render_lists(request, status=400, form=form)


def grouped(items: Iterable[PriceListItem]) -> list[tuple[Any, list[PriceListItem]]]:
    """The items by product (they come ordered by SKU, then quantity break)."""
    return [(product, list(rows)) for product, rows in groupby(items, key=lambda i: i.product)]


def items_context(
    request: HttpRequest, price_list: PriceList, item_form: ItemForm | None = None
) -> dict[str, Any]:
    return {
        "price_list": price_list,
        "groups": grouped(selectors.items_of_list(request.user, price_list)),
        "item_form": item_form or ItemForm(by="sku"),
    }


def _render_list(
    request: HttpRequest, price_list: PriceList, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    form = forms_.get("form") or PriceListForm.for_list(price_list)
    context = {
        "form": form,
        "tab": "price_lists",
        **items_context(request, price_list, forms_.get("item_form")),
    }
    return render(request, "catalogue/price_list_detail.html", context, status=status)


@requires("catalogue.view")
def price_list_detail(request: HttpRequest, price_list_id: int) -> HttpResponse:
    return _render_list(request, _list(request, price_list_id))


@requires("catalogue.manage")
@require_POST
def price_list_save(request: HttpRequest, price_list_id: int) -> HttpResponse:
    price_list = _list(request, price_list_id)
    form = PriceListForm(request.POST)
    if form.is_valid():
        try:
            services.price_list_update(actor=request.user, price_list=price_list, **_fields(form))
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Price list saved."))
            return redirect("web:catalogue_price_list", price_list.pk)
    return _render_list(request, price_list, status=400, form=form)


def _items_answer(request: HttpRequest, price_list: PriceList, form: ItemForm) -> HttpResponse:
    if not getattr(request, "htmx", False):
        if form.errors:
            return _render_list(request, price_list, status=400, item_form=form)
        return redirect("web:catalogue_price_list", price_list.pk)
    context = items_context(request, price_list, form if form.errors else None)
    status = 400 if form.errors else 200
    return render(request, "catalogue/_price_list_items.html", context, status=status)


@requires("catalogue.manage")
@require_POST
def item_set(request: HttpRequest, price_list_id: int) -> HttpResponse:
    """Add a quantity break, or change the price of one (same product and quantity)."""
    price_list = _list(request, price_list_id)
    form = ItemForm(request.POST, by="sku")
    if form.is_valid():
        product = selectors.product_by_sku(request.user, form.cleaned_data["sku"])
        if product is None:
            form.add_error("sku", _("There is no product with this SKU."))
        else:
            try:
                services.price_list_item_set(
                    actor=request.user,
                    price_list=price_list,
                    product=product,
                    min_quantity=form.cleaned_data["min_quantity"],
                    unit_price=form.cleaned_data["unit_price"],
                )
            except ValidationError as error:
                attach_errors(form, error)
    return _items_answer(request, price_list, form)


@requires("catalogue.manage")
@require_POST
def item_remove(request: HttpRequest, price_list_id: int, item_id: int) -> HttpResponse:
    price_list = _list(request, price_list_id)
    try:
        item = selectors.item_of_list(request.user, price_list, item_id)
    except PriceListItem.DoesNotExist as exc:
        raise Http404 from exc
    services.price_list_item_remove(actor=request.user, item=item)
    return _items_answer(request, price_list, ItemForm(by="sku"))
