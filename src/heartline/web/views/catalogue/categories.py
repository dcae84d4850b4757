"""Categories and their tax rates: the list for everyone with catalogue.view, editing for
catalogue.manage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.catalogue import selectors, services
from heartline.catalogue.models import Category
from heartline.core.access import requires
from heartline.web.views.catalogue.forms import CategoryForm
from heartline.web.views.staff import attach_errors


def _render(
    request: HttpRequest,
    *,
    status: int = 200,
    new_form: CategoryForm | None = None,
    failed: tuple[int, CategoryForm] | None = None,
) -> HttpResponse:
    rows = []
    for category in selectors.categories_for_user(request.user):
        form = failed[1] if failed and failed[0] == category.pk else None
        form = form or CategoryForm.for_category(category, prefix=f"c{category.pk}")
        rows.append((category, form.attach_to(f"category-{category.pk}")))
    context = {
        "rows": rows,
        "new_form": new_form or CategoryForm(prefix="new"),
        "tab": "categories",
    }
    return render(request, "catalogue/categories.html", context, status=status)


def _category(request: HttpRequest, category_id: int) -> Category:
    try:
        return selectors.category_for_user(request.user, category_id)
    except Category.DoesNotExist as exc:
        raise Http404 from exc


@requires("catalogue.view")
def category_list(request: HttpRequest) -> HttpResponse:
    return _render(request)


@requires("catalogue.manage")
@require_POST
def category_create(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            category = services.category_create(actor=request.user, **form.service_fields())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Category %(name)s added.") % {"name": category})
            return redirect("web:catalogue_categories")
    return _render(request, status=400, new_form=form)


@requires("catalogue.manage")
@require_POST
def category_save(request: HttpRequest, category_id: int) -> HttpResponse:
    category = _category(request, category_id)
    form = CategoryForm(request.POST, prefix=f"c{category.pk}")
    if form.is_valid():
        try:
            services.category_update(actor=request.user, category=category, **form.service_fields())
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Category %(name)s saved.") % {"name": category})
            return redirect("web:catalogue_categories")
    return _render(request, status=400, failed=(category.pk, form))


@requires("catalogue.manage")
@require_POST
def category_delete(request: HttpRequest, category_id: int) -> HttpResponse:
    category = _category(request, category_id)
    try:
        services.category_delete(actor=request.user, category=category)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render(request, status=400)
    messages.success(request, _("Category %(name)s deleted.") % {"name": category})
    return redirect("web:catalogue_categories")
