"""The leads list, the new-lead form and the lead page (details, score reasons, history,
possible duplicates; qualify, disqualify, assign and convert)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.core.access import requires
from heartline.customers.identities import display_phone
from heartline.customers.models import ConsentEvent
from heartline.customers.selectors import customer_for_user
from heartline.leads import scoring, services
from heartline.leads.capture import lead_capture
from heartline.leads.conversion import AlreadyConverted, default_deal_title, lead_convert
from heartline.leads.models import Lead, LeadEvent
from heartline.leads.selectors import (
    LeadFilters,
    lead_consents,
    lead_detail,
    lead_duplicates,
    lead_for_user,
    lead_history,
    lead_list,
)
from heartline.web.views.leads import or_404
from heartline.web.views.leads.forms import (
    AssignForm,
    ConvertForm,
    LeadCreateForm,
    LeadFilterForm,
    StatusForm,
    attach_lead_errors,
)
from heartline.web.views.staff import attach_errors


def _filters(request: HttpRequest, form: LeadFilterForm) -> LeadFilters:
    if not form.is_valid():
        return LeadFilters(status="open")
    data = form.cleaned_data
    owner = data["owner"]
    return LeadFilters(
        status=data["status"],
        owner_id=request.user.pk if owner == "me" else (int(owner) if owner.isdigit() else None),
        unassigned=owner == "none",
        source=data["source"],
        min_score=data["min_score"],
        q=data["q"],
    )


@requires("leads.view")
def lead_list_view(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET or {"status": "open"})
    filters = _filters(request, form)
    before = form.cleaned_data.get("before") if form.is_valid() else None
    leads = lead_list(request.user, filters, before=before)
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "leads": leads,
        "more": leads[-1].pk if len(leads) == 50 else None,
        "query": query.urlencode(),
    }
    return render(request, "leads/list.html", context)


@requires("leads.manage")
def lead_create(request: HttpRequest) -> HttpResponse:
    form = LeadCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        evidence = _("recorded by hand by %(who)s") % {"who": request.user}
        try:
            result = lead_capture(
                actor=request.user,
                data=form.lead_input(evidence),
                source=Lead.Source.MANUAL,
                owner=form.cleaned_data["owner"],
            )
        except ValidationError as error:
            attach_lead_errors(form, error)
        else:
            if result.outcome == "added":
                messages.info(
                    request,
                    _("An open lead already has this phone, e-mail or handle: added to it."),
                )
            else:
                messages.success(request, _("Lead %(name)s created.") % {"name": result.lead})
            return redirect("web:lead_detail", result.lead.pk)
    status = 400 if form.errors else 200
    return render(request, "leads/form.html", {"form": form}, status=status)


def _event_rows(events: list[LeadEvent]) -> list[dict[str, Any]]:
    kinds = dict(LeadEvent.Kind.choices)
    sources, statuses = dict(Lead.Source.choices), dict(Lead.Status.choices)
    rows = []
    for event in events:
        data = event.data or {}
        detail = ""
        if event.kind == LeadEvent.Kind.STATUS:
            detail = f"{statuses.get(data.get('to', ''), '')} {data.get('reason', '')}".strip()
        elif event.kind == LeadEvent.Kind.ASSIGNED:
            detail = str(data.get("owner", ""))
        elif event.kind == LeadEvent.Kind.LINKED:
            detail = f"#{data.get('customer_id')}"
        elif event.kind == LeadEvent.Kind.CONVERTED:
            detail = str(data.get("deal_title", ""))
        elif event.kind == LeadEvent.Kind.CHANGED:
            detail = ", ".join(data.get("fields", []))
        rows.append(
            {
                "event": event,
                "kind_label": kinds.get(event.kind, event.kind),
                "source_label": sources.get(event.source, event.source),
                "detail": detail,
            }
        )
    return rows


def _candidates(duplicates: Any) -> list[tuple[int, str]]:
    return [
        (c.customer_id, f"#{c.customer_id} {c.display_name} — {', '.join(c.reasons)}")
        for c in [*duplicates.same_identifier, *duplicates.similar_name]
    ]


def _page(request: HttpRequest, lead: Lead, **forms: Any) -> dict[str, Any]:
    duplicates = lead_duplicates(request.user, lead)
    consents = lead_consents(request.user, lead)
    purposes = dict(ConsentEvent.Purpose.choices)
    convert_form = forms.get("convert_form") or ConvertForm(
        initial={"deal_title": default_deal_title(lead)}, candidates=_candidates(duplicates)
    )
    return {
        "lead": lead,
        "phone_shown": display_phone(lead.phone) if lead.phone else "",
        "reasons": [scoring.label(r) for r in lead.score_reasons],
        "history": _event_rows(lead_history(request.user, lead)),
        "consents": [(c, purposes.get(c.purpose, c.purpose)) for c in consents],
        "duplicates": duplicates,
        "status_form": forms.get("status_form") or StatusForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"owner": lead.owner_id or request.user.pk}),
        "convert_form": convert_form,
        "can_convert": request.user.has_perm("deals.edit") and lead.is_open,
    }


@requires("leads.view")
def lead_detail_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = or_404(lambda: lead_detail(request.user, lead_id))
    return render(request, "leads/detail.html", _page(request, lead))


@requires("leads.manage")
@require_POST
def lead_status(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = or_404(lambda: lead_for_user(request.user, lead_id))
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.lead_set_status(
                actor=request.user,
                lead=lead,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect("web:lead_detail", lead.pk)
    context = _page(request, or_404(lambda: lead_for_user(request.user, lead_id)), status_form=form)
    return render(request, "leads/detail.html", context, status=400)


@requires("leads.manage")
@require_POST
def lead_assign(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = or_404(lambda: lead_for_user(request.user, lead_id))
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.lead_assign(actor=request.user, lead=lead, owner=form.cleaned_data["owner"])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Lead assigned."))
            return redirect("web:lead_detail", lead.pk)
    context = _page(request, lead, assign_form=form)
    return render(request, "leads/detail.html", context, status=400)


@requires("leads.manage")
@require_POST
def lead_convert_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Qualify and convert in one step; answers with the lead page showing both links."""
    if not request.user.has_perm("deals.edit"):
        messages.error(request, _("Converting a lead creates a deal: you may not create deals."))
        return redirect("web:lead_detail", lead_id)
    lead = or_404(lambda: lead_for_user(request.user, lead_id))
    candidates = _candidates(lead_duplicates(request.user, lead))
    form = ConvertForm(request.POST, candidates=candidates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            customer = (
                or_404(lambda: customer_for_user(request.user, int(data["customer"])))
                if data["customer"]
                else None
            )
            done = lead_convert(
                actor=request.user,
                lead=lead,
                pipeline=data["pipeline"],
                stage=data["stage"],
                deal_title=data["deal_title"],
                amount=data["amount"],
                currency=data["currency"] or None,
                expected_close=data["expected_close"],
                customer=customer,
            )
        except AlreadyConverted as error:
            messages.error(request, error.messages[0])
            return redirect("web:lead_detail", lead.pk)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            text = _("Converted: customer %(customer)s and deal “%(deal)s”.")
            messages.success(request, text % {"customer": done.customer, "deal": done.deal})
            return redirect("web:lead_detail", lead.pk)
    context = _page(
        request, or_404(lambda: lead_for_user(request.user, lead_id)), convert_form=form
    )
    return render(request, "leads/detail.html", context, status=400)
