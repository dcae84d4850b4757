"""Product pages: the list with search and filters, new product, the product page (details,
images, its prices in every list, the price check) and deleting or deactivating."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.catalogue import selectors, services
from heartline.catalogue.models import Product
from heartline.core.access import requires
from heartline.web.views.catalogue.forms import (
    ImageForm,
    ItemForm,
    PriceCheckForm,
    ProductForm,
    ProductSearchForm,
)
from heartline.web.views.staff import attach_errors

LIST_LIMIT = 200


@requires("catalogue.view")
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductSearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    products = list(selectors.products_for_user(request.user, **filters)[: LIST_LIMIT + 1])
    images = selectors.images_of(request.user, [p.pk for p in products[:LIST_LIMIT]])
    context = {
        "form": form,
        "products": [(p, images[p.pk][:1]) for p in products[:LIST_LIMIT]],
        "more": len(products) > LIST_LIMIT,
        "filtered": any(v not in ("", None) for v in filters.values()),
        "tab": "products",
    }
    if getattr(request, "htmx", False):
        return render(request, "catalogue/_product_rows.html", context)
    return render(request, "catalogue/product_list.html", context)


def _service_fields(form: ProductForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.fields}


@requires("catalogue.manage")
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=request.user, **_service_fields(form))
        except services.SkuTaken as error:
            form.add_error("sku", error.messages[0])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Product %(product)s created.") % {"product": product})
            return redirect("web:catalogue_product", product.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "tab": "products"}
    return render(request, "catalogue/product_form.html", context, status=status)


def visible_product(request: HttpRequest, product_id: int) -> Product:
    try:
        return selectors.product_for_user(request.user, product_id)
    except Product.DoesNotExist as exc:
        raise Http404 from exc


def prices_context(request: HttpRequest, product: Product, **extra: Any) -> dict[str, Any]:
    lists = selectors.prices_of_product(request.user, product)
    return {
        "product": product,
        "price_lists": lists,
        "priced_lists": [pl for pl in lists if pl.product_items],  # type: ignore[attr-defined]
        "item_form": extra.get("item_form") or ItemForm(by="list"),
    }


def images_context(request: HttpRequest, product: Product, **extra: Any) -> dict[str, Any]:
    return {
        "product": product,
        "images": selectors.images_of(request.user, [product.pk])[product.pk],
        "image_form": extra.get("image_form") or ImageForm(),
    }


def render_product(
    request: HttpRequest, product: Product, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    form = forms_.get("form") or ProductForm.for_product(product)
    if not request.user.has_perm("catalogue.manage"):
        form.disable()
    check_form = PriceCheckForm(initial={"sku": product.sku, "quantity": 1})
    context = {
        "form": form,
        "tab": "products",
        "check_form": check_form,
        "referenced": services.product_is_referenced(product),
        **images_context(request, product, **forms_),
        **prices_context(request, product, **forms_),
    }
    return render(request, "catalogue/product_detail.html", context, status=status)


@requires("catalogue.view")
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    return render_product(request, visible_product(request, product_id))


@requires("catalogue.manage")
@require_POST
def product_save(request: HttpRequest, product_id: int) -> HttpResponse:
    product = visible_product(request, product_id)
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            services.product_update(actor=request.user, product=product, **_service_fields(form))
        except services.SkuTaken as error:
            form.add_error("sku", error.messages[0])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Product %(product)s saved.") % {"product": product.sku})
            return redirect("web:catalogue_product", product.pk)
    return render_product(request, product, status=400, form=form)


@requires("catalogue.manage")
@require_POST
def product_delete(request: HttpRequest, product_id: int) -> HttpResponse:
    product = visible_product(request, product_id)
    if services.product_delete(actor=request.user, product=product):
        messages.success(request, _("Product %(sku)s deleted.") % {"sku": product.sku})
        return redirect("web:catalogue")
    messages.success(
        request,
        _("%(sku)s is on deals, quotes or orders, so it was deactivated instead of deleted.")
        % {"sku": product.sku},
    )
    return redirect("web:catalogue_product", product.pk)


@requires("catalogue.manage")
@require_POST
def product_price_set(request: HttpRequest, product_id: int) -> HttpResponse:
    """Add or change a price of this product in one of the lists (the prices section)."""
    product = visible_product(request, product_id)
    form = ItemForm(request.POST, by="list")
    if form.is_valid():
        try:
            services.price_list_item_set(
                actor=request.user,
                price_list=form.cleaned_data["price_list"],
                product=product,
                min_quantity=form.cleaned_data["min_quantity"],
                unit_price=form.cleaned_data["unit_price"],
            )
        except ValidationError as error:
            attach_errors(form, error)
    status = 400 if form.errors else 200
    if not getattr(request, "htmx", False):
        if form.errors:
            return render_product(request, product, status=400, item_form=form)
        messages.success(request, _("Price saved."))
        return redirect("web:catalogue_product", product.pk)
    context = prices_context(request, product, item_form=form if form.errors else None)
    return render(request, "catalogue/_product_prices.html", context, status=status)
