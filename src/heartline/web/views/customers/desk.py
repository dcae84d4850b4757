"""The customer list and search, the new-customer form and the agent desktop (customer 360)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from heartline.core.access import requires
from heartline.customers import services
from heartline.customers.duplicates import Candidate, candidates_for_new
from heartline.customers.identities import display_phone
from heartline.customers.models import Customer, Moment
from heartline.customers.selectors import (
    customer_for_user,
    customer_search,
    customers_for_user,
    first_phones,
    merged_into,
    notes_of,
)
from heartline.timeline.models import Interaction
from heartline.timeline.selectors import RECENT, customer_360, timeline_page
from heartline.timeline.services import interaction_record
from heartline.web.forms_customers import (
    CustomerCreateForm,
    CustomerSearchForm,
    InteractionForm,
    NoteForm,
    TimelineCursorForm,
)
from heartline.web.views.customers.sections import details_context, history_context
from heartline.web.views.staff import attach_errors

LAST_MERGE_KEY = "heartline_last_merge"


@requires("customers.view")
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    hits: list[dict[str, Any]]
    if query:
        hits = [
            {
                "id": h.customer_id,
                "name": h.display_name,
                "pinyin": h.name_pinyin,
                "latin": h.name_latin,
                "matched": h.matched,
            }
            for h in customer_search(request.user, query, limit=50)
        ]
    else:
        recent = customers_for_user(request.user).order_by("-id")[:20]
        hits = [
            {"id": c.pk, "name": c.display_name, "pinyin": c.name_pinyin, "latin": c.name_latin}
            for c in recent.only("id", "name_cjk", "name_pinyin", "name_latin")
        ]
    phones = first_phones(request.user, [h["id"] for h in hits])
    for hit in hits:
        hit["phone"] = display_phone(phones[hit["id"]]) if hit["id"] in phones else ""
    context = {"form": form, "query": query, "hits": hits}
    template = (
        "web/customers/_results.html"
        if getattr(request, "htmx", False)
        else "web/customers/list.html"
    )
    return render(request, template, context)


def _taken_error(form: CustomerCreateForm, error: services.IdentityTaken) -> None:
    url = reverse("web:customer_detail", args=[error.existing_customer_id])
    field = error.identity.kind if error.identity.kind in form.fields else None
    form.add_error(
        field,
        format_html(
            '{} <a href="{}" data-testid="taken-link">#{}</a>',
            _("This identifier already belongs to customer"),
            url,
            error.existing_customer_id,
        ),
    )


def _create(request: HttpRequest, form: CustomerCreateForm) -> Customer:
    data = form.cleaned_data
    items = [
        services.IdentityInput(kind, data[kind])
        for kind in ("phone", "email", "member_no")
        if data[kind]
    ]
    profile = {"kind": data["kind"], "name_cjk": data["name_cjk"], "name_latin": data["name_latin"]}
    if form.tag_list():
        profile["tags"] = form.tag_list()
    with transaction.atomic():
        customer = services.customer_create(
            actor=request.user, identities_in=items, source="staff", **profile
        )
        if data["birthday_month"] is not None:
            services.moment_set(
                actor=request.user,
                customer=customer,
                kind=Moment.Kind.BIRTHDAY,
                month=data["birthday_month"],
                day=data["birthday_day"],
                year=data["birthday_year"],
            )
    return customer


@requires("customers.edit")
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerCreateForm(request.POST or None)
    candidates: list[Candidate] = []
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["not_a_duplicate"]:
        candidates = candidates_for_new(
            request.user,
            name_cjk=form.cleaned_data["name_cjk"],
            name_latin=form.cleaned_data["name_latin"],
        )
        if candidates:
            form.ask_about_duplicates()
    if request.method == "POST" and form.is_valid() and not candidates:
        try:
            customer = _create(request, form)
        except services.IdentityTaken as error:
            _taken_error(form, error)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer})
            return redirect("web:customer_detail", customer.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "candidates": candidates}
    return render(request, "web/customers/form.html", context, status=status)


def _rows_labelled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    channels, directions = dict(Interaction.Channel.choices), dict(Interaction.Direction.choices)
    return [
        {
            **row,
            "channel_label": channels.get(row["channel"], row["channel"]),
            "direction_label": directions.get(row["direction"], row["direction"]),
            "staff_name": row.get("staff__display_name")
            or row.get("staff__username")
            or row.get("staff")  # "last time" names them so
            or "",
        }
        for row in rows
    ]


def _desk_sections(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The 360 labelled for the desk's sections (the whole page, or the live refresh)."""
    recent = _rows_labelled(data["recent_interactions"])
    last_time = dict(data["last_time"])
    if last_time["last"]:
        last_time["last"] = _rows_labelled([{**last_time["last"], "direction": ""}])[0]
    return {
        **data,
        **details_context(data),  # identities, moments, addresses, relations, consent, …
        **history_context(user, data["customer"]["id"]),
        "last_time": last_time,
        "recent_interactions": recent,
        "more_cursor": recent[-1] if len(recent) >= RECENT else None,
    }


def _desk_context(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    last_merge = request.session.get(LAST_MERGE_KEY)
    if isinstance(last_merge, dict) and last_merge.get("survivor") == data["customer"]["id"]:
        request.session.pop(LAST_MERGE_KEY)
    else:
        last_merge = None
    return {**_desk_sections(request.user, data), "last_merge": last_merge}


def _not_found(request: HttpRequest, customer_id: int) -> HttpResponse:
    survivor = merged_into(request.user, customer_id)
    if survivor is None:
        raise Http404
    context = {"customer_id": customer_id, "merged_into": survivor}
    return render(request, "web/customers/merged.html", context, status=404)


def _render_desk(
    request: HttpRequest, customer_id: int, status: int = 200, **forms_: Any
) -> HttpResponse:
    try:
        data = customer_360(request.user, customer_id)
    except Customer.DoesNotExist:
        return _not_found(request, customer_id)
    context = _desk_context(request, data)
    context["note_form"] = forms_.get("note_form") or NoteForm()
    context["interaction_form"] = forms_.get("interaction_form") or InteractionForm()
    return render(request, "web/customers/desk.html", context, status=status)


@requires("customers.view")
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _render_desk(request, customer_id)


@requires("customers.view")
@require_GET
def customer_live(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The desk's changing sections, swapped in out of band when the page hears over its
    websocket that something happened to this customer elsewhere (a contact, a note, a
    merge). A customer merged away meanwhile: the page reloads and says where it went."""
    try:
        data = customer_360(request.user, customer_id)
    except Customer.DoesNotExist:
        if merged_into(request.user, customer_id) is None:
            raise Http404 from None
        return HttpResponseClientRefresh()
    context = {**_desk_sections(request.user, data), "oob": True}
    return render(request, "web/customers/_live.html", context)


def _visible(request: HttpRequest, customer_id: int) -> Customer:
    try:
        return customer_for_user(request.user, customer_id)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


@requires("customers.edit")
@require_POST
def note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _visible(request, customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(
                actor=request.user,
                customer=customer,
                text=form.cleaned_data["text"],
                pinned=form.cleaned_data["pinned"],
            )
        except ValidationError as error:
            attach_errors(form, error)
    if not getattr(request, "htmx", False):
        if form.errors:
            return _render_desk(request, customer_id, status=400, note_form=form)
        messages.success(request, _("Note added."))
        return redirect("web:customer_detail", customer_id)
    context = {
        "customer": {"id": customer.pk},
        "notes": notes_of(request.user, customer.pk),
        "note_form": form if form.errors else NoteForm(),
    }
    status = 400 if form.errors else 200
    return render(request, "web/customers/_notes.html", context, status=status)


@requires("interactions.record")
@require_POST
def interaction_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _visible(request, customer_id)
    form = InteractionForm(request.POST)
    if form.is_valid():
        try:
            interaction_record(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Interaction recorded."))
            return redirect("web:customer_detail", customer_id)
    return _render_desk(request, customer_id, status=400, interaction_form=form)


@requires("customers.view")
def timeline_more(request: HttpRequest, customer_id: int) -> HttpResponse:
    _visible(request, customer_id)
    cursor = TimelineCursorForm(request.GET)
    if not cursor.is_valid():
        return HttpResponse(_("Bad cursor."), status=400, content_type="text/plain")
    before = (cursor.cleaned_data["before_at"], cursor.cleaned_data["before_id"])
    rows = _rows_labelled(timeline_page(request.user, customer_id, before=before, limit=RECENT))
    context = {
        "customer": {"id": customer_id},
        "rows": rows,
        "more_cursor": rows[-1] if len(rows) >= RECENT else None,
    }
    return render(request, "web/customers/_timeline_rows.html", context)
