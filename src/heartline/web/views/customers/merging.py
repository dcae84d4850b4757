"""Duplicate candidates of a customer, the side-by-side merge, and undoing a merge."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.core.access import requires
from heartline.customers.duplicates import duplicate_candidates
from heartline.customers.merge import customer_merge, merge_undo
from heartline.customers.models import Customer, Merge
from heartline.customers.selectors import customer_for_user, merge_for_user
from heartline.web.forms_customers import MergeForm
from heartline.web.views.customers.desk import LAST_MERGE_KEY
from heartline.web.views.staff import attach_errors


def _visible(request: HttpRequest, customer_id: int) -> Customer:
    try:
        return customer_for_user(request.user, customer_id)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


@requires("customers.view")
def duplicates(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _visible(request, customer_id)
    context = {
        "customer": customer,
        "candidates": duplicate_candidates(request.user, customer),
        "can_merge": request.user.has_perm("customers.merge"),
    }
    return render(request, "web/customers/duplicates.html", context)


@requires("customers.merge")
def merge(request: HttpRequest, customer_id: int, other_id: int) -> HttpResponse:
    if customer_id == other_id:
        raise Http404
    survivor, duplicate = _visible(request, customer_id), _visible(request, other_id)
    form = MergeForm(request.POST or None, survivor=survivor, duplicate=duplicate)
    if request.method == "POST" and form.is_valid():
        try:
            done = customer_merge(
                actor=request.user,
                survivor=survivor,
                duplicate=duplicate,
                choose=dict(form.cleaned_data),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            request.session[LAST_MERGE_KEY] = {
                "merge": done.pk,
                "survivor": survivor.pk,
                "duplicate": duplicate.pk,
            }
            return redirect("web:customer_detail", survivor.pk)
    context = {"form": form, "survivor": survivor, "duplicate": duplicate}
    status = 400 if form.errors else 200
    return render(request, "web/customers/merge.html", context, status=status)


@requires("customers.merge")
@require_POST
def merge_undo_view(request: HttpRequest, merge_id: int) -> HttpResponse:
    try:
        record = merge_for_user(request.user, merge_id)
    except Merge.DoesNotExist as exc:
        raise Http404 from exc
    try:
        merge_undo(actor=request.user, merge=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Merge undone: customer #%(id)s is separate again.") % {"id": record.duplicate_id},
        )
    return redirect("web:customer_detail", record.survivor_id)
