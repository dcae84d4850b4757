"""Deal pages: the list with filters, the deal page (details, lines, stage history, timeline,
edit and move forms), a new deal (from a customer's page), and THE move endpoint that the
board's drag and drop and the deal page's move form both post to."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heartline.core import audit
from heartline.core.access import requires
from heartline.sales import selectors, services
from heartline.sales.imports import customer_by_reference
from heartline.sales.lines import deal_totals
from heartline.sales.models import Deal, Stage
from heartline.sales.rules import StageRuleError, required_help
from heartline.web.views.sales.board import head_view, money_text, record_names_shown
from heartline.web.views.sales.forms import (
    BoardMoveForm,
    DealCreateForm,
    DealFilterForm,
    DealForm,
    LineFormSet,
    MoveForm,
    line_initial,
)
from heartline.web.views.staff import attach_errors

PAGE = 50


def _deal(request: HttpRequest, deal_id: int) -> Deal:
    try:
        return selectors.deal_for_user(request.user, deal_id)
    except Deal.DoesNotExist as exc:
        raise Http404 from exc


# --- The list --------------------------------------------------------------------------------
@requires("deals.view")
def deal_list(request: HttpRequest) -> HttpResponse:
    form = DealFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.deal_list(
        request.user,
        selectors.DealFilters(
            pipeline_id=data["pipeline"].pk if data.get("pipeline") else None,
            stage_id=data["stage"].pk if data.get("stage") else None,
            owner_id=data["owner"].pk if data.get("owner") else None,
            status=data.get("status") or None,
            close_from=data.get("close_from"),
            close_to=data.get("close_to"),
            q=data.get("q") or "",
        ),
    )
    if data.get("before"):
        rows = rows.filter(pk__lt=data["before"])
    page = list(rows.select_related("customer", "stage", "owner", "pipeline")[: PAGE + 1])
    more = page[PAGE - 1].pk if len(page) > PAGE else None
    deals = [{"deal": d, "amount_text": money_text(d.amount, d.currency)} for d in page[:PAGE]]
    shown = [{"customer_id": d.customer_id} for d in page[:PAGE]]
    record_names_shown(request, shown, "deal list")
    query = request.GET.copy()
    query.pop("before", None)
    if more:
        query["before"] = str(more)
    context = {
        "form": form,
        "deals": deals,
        "next_query": query.urlencode() if more else "",
    }
    return render(request, "sales/list.html", context)


# --- The deal page ---------------------------------------------------------------------------
def _optional(template: str) -> bool:
    try:
        get_template(template)
    except TemplateDoesNotExist:
        return False
    return True


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _lines_view(deal: Deal) -> dict[str, Any]:
    lines = list(deal.lines.select_related("product"))
    if not lines:
        return {"lines": [], "totals": None}
    totals = deal_totals(deal)
    rows = [
        {
            "line": line,
            "net": money_text(figures.net, deal.currency),
            "tax": money_text(figures.tax, deal.currency),
            "total": money_text(figures.total, deal.currency),
        }
        for line, figures in zip(lines, totals.lines, strict=True)
    ]
    summary = {
        k: money_text(getattr(totals, k), deal.currency)
        for k in ("gross", "discount", "net", "tax", "total")
    }
    return {"lines": rows, "totals": summary}


def _render_deal(
    request: HttpRequest, deal: Deal, status: int = 200, **forms_: Any
) -> HttpResponse:
    if request.user.has_perm("customers.view"):
        audit.record_view(actor=request.user, obj=deal.customer, fields=["deals"])
    context = {
        "deal": deal,
        "amount_text": money_text(deal.amount, deal.currency),
        **_lines_view(deal),
        "history": selectors.stage_history(request.user, deal),
        "timeline": selectors.deal_timeline(request.user, deal),
        "move_form": forms_.get("move_form") or MoveForm(deal=deal),
        "stage_requires": required_help(deal.stage),
        "activities": _optional("activities/_for_deal.html"),
        "quotes_url": _url("web:deal_quotes", deal.pk),
    }
    return render(request, "sales/detail.html", context, status=status)


@requires("deals.view")
def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    return _render_deal(request, _deal(request, deal_id))


# --- New deal and edit -----------------------------------------------------------------------
def _lines_of(formset: Any) -> list[Any]:
    return [f.line_input() for f in formset.forms if f.cleaned_data and not f.is_blank()]


@requires("deals.edit")
def deal_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {"owner": request.user.pk}
    customer_id = request.GET.get("customer", "")
    if customer_id.isdigit():
        initial["customer"] = f"#{customer_id}"
    pipeline = selectors.pipelines_for_user(request.user).first()
    if pipeline is not None:
        initial["pipeline"] = pipeline.pk
    form = DealCreateForm(request.POST or None, initial=initial)
    lines = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                deal = services.deal_create(
                    actor=request.user,
                    customer=customer_by_reference(request.user, data["customer"]),
                    title=data["title"],
                    pipeline=data["pipeline"],
                    amount=data["amount"],
                    currency=data["currency"] or None,
                    tax_inclusive=data["tax_inclusive"],
                    expected_close=data["expected_close"],
                    owner=data["owner"],
                    competitors=form.competitor_list(),
                    lines=_lines_of(lines),
                    via="form",
                )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Deal %(title)s opened.") % {"title": deal.title})
            return redirect("web:deal_detail", deal.pk)
    status = 400 if form.errors or lines.total_error_count() else 200
    context = {"form": form, "lines": lines, "deal": None}
    return render(request, "sales/form.html", context, status=status)


@requires("deals.edit")
def deal_edit(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _deal(request, deal_id)
    initial = {
        "title": deal.title,
        "amount": deal.amount,
        "currency": deal.currency,
        "tax_inclusive": deal.tax_inclusive,
        "expected_close": deal.expected_close,
        "owner": deal.owner_id,
        "competitors": ", ".join(deal.competitors),
    }
    form = DealForm(request.POST or None, initial=initial)
    lines = LineFormSet(request.POST or None, prefix="lines", initial=line_initial(deal))
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        line_inputs = _lines_of(lines)
        fields = {
            "title": data["title"],
            "currency": data["currency"] or deal.currency,
            "tax_inclusive": data["tax_inclusive"],
            "expected_close": data["expected_close"],
            "owner": data["owner"],
            "competitors": form.competitor_list(),
        }
        if not line_inputs:
            fields["amount"] = data["amount"]
        try:
            had_lines = deal.lines.exists()
            services.deal_update(
                actor=request.user,
                deal=deal,
                lines=line_inputs if line_inputs or had_lines else None,
                **fields,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Deal saved."))
            return redirect("web:deal_detail", deal.pk)
    status = 400 if form.errors or lines.total_error_count() else 200
    return render(
        request, "sales/form.html", {"form": form, "lines": lines, "deal": deal}, status=status
    )


# --- THE move --------------------------------------------------------------------------------
def _board_answer(request: HttpRequest, deal: Deal, origin: Stage) -> HttpResponse:
    """After a drop on the board: the heads of both columns, out of band; a closed deal's card
    leaves the board."""
    heads = [head_view(s) for s in (origin, deal.stage) if s.kind == Stage.Kind.OPEN]
    if origin.pk == deal.stage_id:
        heads = heads[:1]
    context = {"heads": heads, "deal": deal, "closed": deal.status != Deal.Status.OPEN}
    return render(request, "sales/_moved.html", context)


def _board_refusal(message: str) -> HttpResponse:
    """A refused drop, for the board: an expected outcome, not an error — 200 with nothing to
    swap and the ``deal-move-refused`` event carrying the rule's message (a 4xx would be logged
    as a failed request in the browser's console). ``board.js`` snaps the card back."""
    response = HttpResponse(status=200)
    response["HX-Reswap"] = "none"
    response["HX-Trigger"] = json.dumps({"deal-move-refused": {"message": message}})
    return response


@requires("deals.edit")
@require_POST
def deal_move(request: HttpRequest, deal_id: int) -> HttpResponse:
    """A stage change from the board (htmx: the updated column heads, or the refusal event with
    the rule's message) or from the deal page's move form (a redirect, or 400 with the form)."""
    deal = _deal(request, deal_id)
    from_board = bool(getattr(request, "htmx", False))
    form = (BoardMoveForm if from_board else MoveForm)(request.POST, deal=deal)
    origin = deal.stage
    if form.is_valid():
        data = form.cleaned_data
        try:
            deal = services.deal_move(
                actor=request.user,
                deal=deal,
                to_stage=data["stage"],
                via="board" if from_board else "form",
                after=data.get("after"),
                before=data.get("before"),
                lost_reason=data.get("lost_reason"),
                lost_note=data.get("lost_note") or "",
            )
        except StageRuleError as error:
            form.add_error(
                "lost_reason" if error.rule == "lost_reason" else None, error.messages[0]
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            if from_board:
                deal.stage = Stage.objects.get(pk=deal.stage_id)
                return _board_answer(request, deal, origin)
            messages.success(request, _("Moved to %(stage)s.") % {"stage": deal.stage})
            return redirect("web:deal_detail", deal.pk)
    if from_board:
        return _board_refusal(" ".join(str(m) for errors in form.errors.values() for m in errors))
    return _render_deal(request, _deal(request, deal_id), status=400, move_form=form)
