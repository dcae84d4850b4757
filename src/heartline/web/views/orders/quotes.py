"""Quote pages: the list, the editor with live totals, the printable document, the send dialog,
staff answers, and the fragment of a deal's quotes for the deal page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heartline.catalogue.money import format_money
from heartline.core import audit
from heartline.core.access import requires
from heartline.core.errors import Conflict
from heartline.orders import answers, selectors
from heartline.orders import quotes as services
from heartline.orders.documents import breakdown
from heartline.orders.models import Quote
from heartline.orders.rendering import line_view, percent, render_document
from heartline.orders.selectors import quotes_for_deal
from heartline.sales.models import Deal
from heartline.web.views.orders.forms import (
    AnswerForm,
    QuoteForm,
    QuoteLineFormSet,
    SendForm,
    line_initial,
    line_requests,
)
from heartline.web.views.staff import attach_errors


def _quote(request: HttpRequest, quote_id: int) -> Quote:
    try:
        return selectors.quote_for_user(request.user, quote_id)
    except Quote.DoesNotExist as exc:
        raise Http404 from exc


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@requires("quotes.manage")
@require_GET
def quote_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Quote.Status.values else ""
    before = request.GET.get("before", "")
    rows = selectors.quote_list(
        request.user, status=status, before=int(before) if before.isdigit() else None, limit=51
    )
    more = len(rows) > 50
    rows = rows[:50]
    labels = dict(Quote.Status.choices)
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
        row["total_text"] = format_money(row["total"], row["currency"])
    context = {
        "quotes": rows,
        "status": status,
        "statuses": Quote.Status.choices,
        "next_before": rows[-1]["id"] if more else None,
    }
    return render(request, "orders/quote_list.html", context)


@requires("quotes.manage")
@require_POST
def quote_from_deal(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = Deal.objects.filter(pk=deal_id).first()
    if deal is None:
        raise Http404
    try:
        quote = services.quote_create_from_deal(actor=request.user, deal=deal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("web:quotes")
    messages.success(request, _("Quote %(number)s created from the deal.") % {"number": quote})
    return redirect("web:quote_edit", quote.pk)


@requires("quotes.manage")
@require_GET
def deal_quotes(request: HttpRequest, deal_id: int) -> HttpResponse:
    """The deal page's quotes section (also includable: ``orders/_deal_quotes.html``)."""
    context = {"deal_id": deal_id, "deal_quotes": quotes_for_deal(deal_id, user=request.user)}
    return render(request, "orders/_deal_quotes.html", context)


def _totals_context(quote: Quote, totals: Any) -> dict[str, Any]:
    currency = quote.currency
    return {
        "money": {
            name: format_money(getattr(totals, name), currency)
            for name in ("gross", "discount", "net", "tax", "total")
        },
        "taxes": [
            {"rate": percent(rate), "amount": format_money(amount, currency)}
            for rate, amount in sorted(totals.tax_by_rate.items())
        ],
    }


def _stored_totals(quote: Quote) -> dict[str, Any]:
    currency = quote.currency
    return {
        "money": {
            name: format_money(getattr(quote, name), currency)
            for name in ("gross", "discount", "net", "tax", "total")
        },
        "taxes": [
            {"rate": percent(Decimal(rate)), "amount": format_money(Decimal(amount), currency)}
            for rate, amount in quote.tax_breakdown.items()
        ],
    }


def _editor(
    request: HttpRequest,
    quote: Quote,
    form: QuoteForm,
    formset: Any,
    status: int = 200,
) -> HttpResponse:
    order_id = quote.order.pk if hasattr(quote, "order") else None
    context = {
        "quote": quote,
        "form": form,
        "formset": formset,
        "editable": quote.status == Quote.Status.DRAFT,
        "totals": _stored_totals(quote),
        "answer_form": AnswerForm(),
        "order_id": order_id,
        "lines": [line_view(row, quote.currency, "en") for row in quote.lines.all()],
    }
    return render(request, "orders/quote_edit.html", context, status=status)


def _save(request: HttpRequest, quote: Quote, form: QuoteForm, formset: Any) -> bool:
    requests, indexes = line_requests(formset)
    data = form.cleaned_data
    try:
        drafts = services.quote_drafts(quote, requests, tax_inclusive=data["tax_inclusive"])
        services.quote_update(
            actor=request.user,
            quote=quote,
            lines=drafts,
            discount_percent=data["discount_percent"] or Decimal(0),
            discount_amount=data["discount_amount"] or Decimal(0),
            tax_inclusive=data["tax_inclusive"],
            valid_until=data["valid_until"],
            language=data["language"],
            title=data["title"],
            terms=data["terms"],
        )
    except ValidationError as error:
        _line_errors(form, formset, indexes, error)
        return False
    return True


def _line_errors(form: QuoteForm, formset: Any, indexes: list[int], error: ValidationError) -> None:
    """A service's errors on the right line of the editor (``lines[i]`` → that row)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, problems in error.message_dict.items():
        if key.startswith("lines[") and key.endswith("]") and key[6:-1].isdigit():
            position = int(key[6:-1])
            if position < len(indexes):
                formset.forms[indexes[position]].add_error(None, problems)
                continue
        form.add_error(key if key in form.fields else None, problems)


@requires("quotes.manage")
def quote_edit(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    if request.method != "POST":
        formset = QuoteLineFormSet(initial=line_initial(quote), prefix="lines")
        return _editor(request, quote, QuoteForm.for_quote(quote), formset)
    form = QuoteForm(request.POST)
    formset = QuoteLineFormSet(request.POST, prefix="lines")
    if quote.status != Quote.Status.DRAFT:
        form.add_error(None, _("Only a draft can be changed; this quote was sent."))
    elif form.is_valid() and formset.is_valid() and _save(request, quote, form, formset):
        messages.success(request, _("Quote %(number)s saved.") % {"number": quote})
        return redirect("web:quote_edit", quote.pk)
    return _editor(request, quote, form, formset, status=400)


@requires("quotes.manage")
@require_POST
def quote_totals(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The live totals of the editor's current (unsaved) content, from the one calculation."""
    quote = _quote(request, quote_id)
    form = QuoteForm(request.POST)
    formset = QuoteLineFormSet(request.POST, prefix="lines")
    context: dict[str, Any] = {"live": True}
    if form.is_valid() and formset.is_valid():
        requests, _indexes = line_requests(formset)
        data = form.cleaned_data
        try:
            totals = services.quote_preview(
                quote,
                requests,
                tax_inclusive=data["tax_inclusive"],
                discount_percent=data["discount_percent"] or Decimal(0),
                discount_amount=data["discount_amount"] or Decimal(0),
            )
        except ValidationError as error:
            context["problem"] = " ".join(error.messages)
        else:
            context["totals"] = _totals_context(quote, totals)
            context["breakdown"] = breakdown(totals)
    else:
        context["problem"] = _("Complete the lines to see the totals.")
    return render(request, "orders/_quote_totals.html", context)


@requires("quotes.manage")
@require_GET
def quote_document(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The printable document, in the quote's language whatever the interface language."""
    quote = _quote(request, quote_id)
    audit.record_view(actor=request.user, obj=quote, fields=["document"])
    return HttpResponse(render_document(quote))


@requires("quotes.manage")
def quote_send(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The send dialog (a <dialog> in the editor with htmx, a page without) and the sending."""
    quote = _quote(request, quote_id)
    form = SendForm(request.POST or None, initial={"to": services.first_email(quote.customer)})
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_send(
                actor=request.user,
                quote=quote,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except Conflict as error:
            form.add_error(None, error.messages[0])
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("Quote %(number)s sent to %(to)s.")
                % {"number": quote, "to": form.cleaned_data["to"]},
            )
            return redirect("web:quote_edit", quote.pk)
    template = "orders/_send_dialog.html" if _htmx(request) else "orders/quote_send.html"
    status = 400 if form.errors else 200
    return render(request, template, {"quote": quote, "form": form}, status=status)


@requires("quotes.manage")
@require_POST
def quote_mark(request: HttpRequest, quote_id: int) -> HttpResponse:
    """Staff record the customer's answer; accepting places the order at once."""
    quote = _quote(request, quote_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose accept or reject."))
        return redirect("web:quote_edit", quote.pk)
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["answer"] == "accept":
            quote, order = answers.quote_accept(actor=request.user, quote=quote, note=note)
        else:
            quote = answers.quote_reject(actor=request.user, quote=quote, note=note)
            order = None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("web:quote_edit", quote.pk)
    if order is not None:
        messages.success(
            request,
            _("Quote %(quote)s accepted: order %(order)s placed.")
            % {"quote": quote, "order": order},
        )
        return redirect("web:order_detail", order.pk)
    messages.success(request, _("Quote %(number)s marked as rejected.") % {"number": quote})
    return redirect("web:quote_edit", quote.pk)
