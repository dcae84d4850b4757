"""The customer's answer page: the quote, in its language, with accept and reject buttons.

Reached through the signed link of the quote e-mail (``orders.public``); no sign-in. A
tampered or unknown link is a 404; a quote past its validity is marked expired and shows so.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from heartline.core.access import public
from heartline.core.errors import Conflict
from heartline.orders.answers import quote_answer_by_customer, quote_expire_if_due
from heartline.orders.models import Quote
from heartline.orders.public import quote_from_token
from heartline.orders.rendering import document_context
from heartline.web.views.orders.forms import AnswerForm

SHOWN = (Quote.Status.SENT, Quote.Status.ACCEPTED, Quote.Status.REJECTED, Quote.Status.EXPIRED)


@public
@require_http_methods(["GET", "POST"])
def quote_answer(request: HttpRequest, token: str) -> HttpResponse:
    quote = quote_from_token(token)
    if quote is None or quote.status not in SHOWN:
        raise Http404
    quote_expire_if_due(quote=quote)
    form = AnswerForm(request.POST or None)
    problem = ""
    if request.method == "POST" and quote.status == Quote.Status.SENT and form.is_valid():
        try:
            quote_answer_by_customer(
                quote=quote,
                accept=form.cleaned_data["answer"] == "accept",
                note=form.cleaned_data["note"],
            )
        except Conflict as error:
            problem = error.messages[0]
        else:
            return redirect("web:quote_answer", token)
    with translation.override(quote.language):
        context = {**document_context(quote), "form": form, "problem": problem, "token": token}
        status = 400 if request.method == "POST" else 200
        return render(request, "orders/quote_answer.html", context, status=status)
