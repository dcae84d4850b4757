"""My day, the quick add form, completing and cancelling in place, and the activities section
of a customer's desk and a deal's page (loaded by htmx from ``activities/_for_*.html``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heartline.activities import services
from heartline.activities.calendar import calendar_feed_of
from heartline.activities.models import Activity
from heartline.activities.selectors import activities_for, activity_for_user, my_day
from heartline.core.access import requires
from heartline.core.errors import Conflict
from heartline.customers.models import Customer
from heartline.customers.selectors import customer_for_user
from heartline.sales.models import Deal
from heartline.web.views.activities.forms import (
    CONTEXTS,
    ActivityForm,
    CancelForm,
    CompleteForm,
    KindFilterForm,
)
from heartline.web.views.staff import attach_errors


def _customer(request: HttpRequest, customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    try:
        return customer_for_user(request.user, customer_id)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


def _deal(request: HttpRequest, deal_id: int | None) -> Deal | None:
    if deal_id is None:
        return None
    if not request.user.has_perm("deals.view"):
        raise Http404  # as for a deal that does not exist
    try:
        return Deal.objects.get(pk=deal_id)
    except Deal.DoesNotExist as exc:
        raise Http404 from exc


def _context_name(request: HttpRequest) -> str:
    value = request.POST.get("context", "my_day")
    return value if value in CONTEXTS else "my_day"


def my_day_context(request: HttpRequest, kind: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "day": my_day(request.user, kind=kind),
        "kind": kind,
        "context_name": "my_day",
        "add_form": extra.pop("add_form", None) or ActivityForm(initial={"context": "my_day"}),
        **extra,
    }


def object_context(
    request: HttpRequest,
    *,
    customer_id: int | None = None,
    deal_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    name = "deal" if deal_id else "customer"
    initial = {"context": name, "customer_id": customer_id, "deal_id": deal_id}
    return {
        "items": activities_for(request.user, customer_id=customer_id, deal_id=deal_id),
        "context_name": name,
        "object_id": deal_id or customer_id,
        "add_form": extra.pop("add_form", None) or ActivityForm(initial=initial),
        **extra,
    }


def _section(
    request: HttpRequest,
    name: str,
    *,
    customer_id: int | None,
    deal_id: int | None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    if name == "my_day":
        template, context = "activities/_my_day_lists.html", my_day_context(request, **extra)
    else:
        if (name == "deal" and deal_id is None) or (name == "customer" and customer_id is None):
            raise Http404
        ids = {"deal_id": deal_id} if name == "deal" else {"customer_id": customer_id}
        template, context = (
            "activities/_object_section.html",
            object_context(request, **ids, **extra),
        )
    return render(request, template, context, status=status)


def _back(name: str, customer_id: int | None) -> HttpResponse:
    if name == "customer" and customer_id:
        return redirect("web:customer_detail", customer_id)
    return redirect("web:my_day")


@requires("activities.manage")
@require_GET
def my_day_page(request: HttpRequest) -> HttpResponse:
    filters = KindFilterForm(request.GET)
    if not filters.is_valid():
        return HttpResponse(_("Unknown kind."), status=400, content_type="text/plain")
    context = my_day_context(
        request,
        kind=filters.cleaned_data["kind"],
        filters=filters,
        kinds=Activity.Kind.choices,
        feed=calendar_feed_of(request.user),
    )
    return render(request, "activities/my_day.html", context)


def _render_after_add(
    request: HttpRequest, form: ActivityForm, name: str, customer_id: int | None
) -> HttpResponse:
    deal_id = _int(request.POST.get("deal_id"))
    if getattr(request, "htmx", False):
        extra = {"add_form": form} if form.errors else {}
        status = 400 if form.errors else 200
        return _section(
            request, name, customer_id=customer_id, deal_id=deal_id, status=status, **extra
        )
    if form.errors:
        context = my_day_context(
            request,
            add_form=form,
            filters=KindFilterForm(),
            kinds=Activity.Kind.choices,
            feed=calendar_feed_of(request.user),
        )
        return render(request, "activities/my_day.html", context, status=400)
    messages.success(request, _("Activity planned."))
    return _back(name, customer_id)


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@requires("activities.manage")
@require_POST
def activity_add(request: HttpRequest) -> HttpResponse:
    name = _context_name(request)
    form = ActivityForm(request.POST)
    customer_id = _int(request.POST.get("customer_id"))
    if form.is_valid():
        customer = _customer(request, form.cleaned_data["customer_id"])
        deal = _deal(request, form.cleaned_data["deal_id"])
        try:
            services.activity_create(
                actor=request.user, customer=customer, deal=deal, **form.service_fields()
            )
        except ValidationError as error:
            attach_errors(form, error)
    return _render_after_add(request, form, name, customer_id)


def _close(request: HttpRequest, activity_id: int, form_class: type, action: Any) -> HttpResponse:
    try:
        activity = activity_for_user(request.user, activity_id)
    except Activity.DoesNotExist as exc:
        raise Http404 from exc
    name = _context_name(request)
    form = form_class(request.POST)
    problem, status = "", 200
    if not form.is_valid():
        problem, status = " ".join(m for ms in form.errors.values() for m in ms), 400
    else:
        try:
            action(activity, form.cleaned_data)
        except Conflict as error:
            problem, status = error.messages[0], 409
        except ValidationError as error:
            problem, status = " ".join(error.messages), 400
    if not getattr(request, "htmx", False):
        if problem:
            messages.error(request, problem)
        return _back(name, activity.customer_id)
    return _section(
        request,
        name,
        customer_id=activity.customer_id,
        deal_id=activity.deal_id,
        status=status,
        problem=problem,
    )


@requires("activities.manage")
@require_POST
def activity_complete(request: HttpRequest, activity_id: int) -> HttpResponse:
    def complete(activity: Activity, data: dict[str, Any]) -> None:
        services.activity_complete(
            actor=request.user,
            activity=activity,
            outcome=data["outcome"],
            follow_up_due=data["follow_up_due"],
        )

    return _close(request, activity_id, CompleteForm, complete)


@requires("activities.manage")
@require_POST
def activity_cancel(request: HttpRequest, activity_id: int) -> HttpResponse:
    def cancel(activity: Activity, data: dict[str, Any]) -> None:
        services.activity_cancel(actor=request.user, activity=activity, reason=data["reason"])

    return _close(request, activity_id, CancelForm, cancel)


@requires("activities.manage")
@require_GET
def customer_activities(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The activities section of a customer's desk (htmx loads it)."""
    customer = _customer(request, customer_id)
    assert customer is not None
    return _section(request, "customer", customer_id=customer.pk, deal_id=None)


@requires("activities.manage")
@require_GET
def deal_activities(request: HttpRequest, deal_id: int) -> HttpResponse:
    """The activities section of a deal's page (htmx loads it)."""
    deal = _deal(request, deal_id)
    assert deal is not None
    return _section(request, "deal", customer_id=deal.customer_id, deal_id=deal.pk)
