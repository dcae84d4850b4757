"""API of quotes: create one from a deal, read it, send it, record the customer's answer."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Router, Status

from heartline.core import audit
from heartline.core.api import Id, errors, permission
from heartline.orders import answers, selectors
from heartline.orders import quotes as services
from heartline.orders.models import Order, Quote
from heartline.orders.schemas import AnswerIn, QuoteFromDealIn, QuoteOut, SendIn, quote_out
from heartline.sales.models import Deal

quotes_router = Router(tags=["quotes"])


def full_quote(quote: Quote) -> dict[str, Any]:
    order_id = Order.objects.filter(quote=quote).values_list("pk", flat=True).first()
    return quote_out(quote, list(quote.lines.order_by("position", "id")), order_id)


@quotes_router.post(
    "", response={201: QuoteOut, **errors(404)}, summary="Create a draft quote from a deal"
)
@permission("quotes.manage")
def create(request: HttpRequest, payload: QuoteFromDealIn) -> Status:
    deal = Deal.objects.get(pk=payload.deal_id)
    quote = services.quote_create_from_deal(
        actor=request.user,
        deal=deal,
        language=payload.language,
        valid_until=payload.valid_until,
    )
    return Status(201, full_quote(quote))


@quotes_router.get("/{quote_id}", response={200: QuoteOut, **errors(404)}, summary="A quote")
@permission("quotes.manage")
def read(request: HttpRequest, quote_id: Annotated[Id, Path()]) -> dict[str, Any]:
    quote = selectors.quote_for_user(request.user, quote_id)
    audit.record_view(actor=request.user, obj=quote, fields=["lines", "sent_to"])
    return full_quote(quote)


@quotes_router.post(
    "/{quote_id}/send",
    response={200: QuoteOut, **errors(404, 409)},
    summary="E-mail the quote to the customer (with the accept/reject link)",
)
@permission("quotes.manage")
def send(request: HttpRequest, quote_id: Annotated[Id, Path()], payload: SendIn) -> dict[str, Any]:
    quote = selectors.quote_for_user(request.user, quote_id)
    quote = services.quote_send(actor=request.user, quote=quote, to=payload.to, note=payload.note)
    return full_quote(quote)


@quotes_router.post(
    "/{quote_id}/accept",
    response={200: QuoteOut, **errors(404, 409)},
    summary="Record that the customer accepted; the order is placed at once (order_id)",
)
@permission("quotes.manage")
def accept(
    request: HttpRequest, quote_id: Annotated[Id, Path()], payload: AnswerIn
) -> dict[str, Any]:
    quote = selectors.quote_for_user(request.user, quote_id)
    quote, _order = answers.quote_accept(actor=request.user, quote=quote, note=payload.note)
    return full_quote(quote)


@quotes_router.post(
    "/{quote_id}/reject",
    response={200: QuoteOut, **errors(404, 409)},
    summary="Record that the customer rejected the quote",
)
@permission("quotes.manage")
def reject(
    request: HttpRequest, quote_id: Annotated[Id, Path()], payload: AnswerIn
) -> dict[str, Any]:
    quote = selectors.quote_for_user(request.user, quote_id)
    return full_quote(answers.quote_reject(actor=request.user, quote=quote, note=payload.note))
