"""The kanban board of a pipeline: a column per open stage (its first cards by rank, its count
and weighted amount by one aggregate query), the won and lost stages as drop zones, and the
live refresh when someone else moves a card (websocket group ``pipeline.<id>``).

A card dropped on another place POSTs to :func:`heartline.web.views.sales.deals.deal_move` via
htmx — the same service as the API and the import; a refusal answers 400 with the rule's
message and ``board.js`` snaps the card back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from heartline.catalogue.money import format_money, round_money
from heartline.core import audit
from heartline.core.access import requires
from heartline.customers.models import display_name
from heartline.sales import selectors
from heartline.sales.models import Pipeline, Stage
from heartline.sales.rules import required_help


def money_text(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_money(round_money(amount, currency), currency, get_language() or "en")


_SENTINEL = "987654321"


class CardLinks:
    """The two links of every card, reversed once per page (a reverse per card costs as much
    as the rest of the card)."""

    def __init__(self) -> None:
        self.detail = reverse("web:deal_detail", args=[_SENTINEL])
        self.move = reverse("web:deal_move", args=[_SENTINEL])
        self.no_owner = _("no owner")

    def __call__(self, pattern: str, pk: int) -> str:
        return pattern.replace(_SENTINEL, str(pk))


def card_view(card: dict[str, Any], links: CardLinks) -> dict[str, Any]:
    """A card's row (``selectors.CARD_FIELDS``) with what the template shows."""
    owner = card["owner__display_name"] or card["owner__username"] or links.no_owner
    closing = card["expected_close"].isoformat() if card["expected_close"] else ""
    return {
        **card,
        "url": links(links.detail, card["id"]),
        "move_url": links(links.move, card["id"]),
        "customer_name": display_name(
            card["customer_id"],
            card["customer__name_cjk"],
            card["customer__name_latin"],
            card["customer__name_pinyin"],
        ),
        "amount_text": money_text(card["amount"], card["currency"]),
        "meta": " · ".join(filter(None, (owner, closing))),
    }


def column_view(column: selectors.Column, links: CardLinks | None = None) -> dict[str, Any]:
    weighted = column.weighted
    links = links or CardLinks()
    return {
        "stage": column.stage,
        "count": column.count,
        "weighted": [money_text(weighted[c], c) for c in sorted(weighted)],
        "amounts": [money_text(column.amounts[c], c) for c in sorted(column.amounts)],
        "cards": [card_view(c, links) for c in column.cards],
        "more": column.more,
        "last": column.cards[-1] if column.cards else None,
        "requires": required_help(column.stage),
    }


def head_view(stage: Stage) -> dict[str, Any]:
    """One column's head (count and amounts) alone, after a move."""
    count, amounts = selectors.column_totals([stage.pk]).get(stage.pk, (0, {}))
    return column_view(selectors.Column(stage=stage, count=count, amounts=amounts))


def record_names_shown(request: HttpRequest, cards: list[dict[str, Any]], label: str) -> None:
    """Cards name customers: a view of personal data, recorded once per page (as the
    dashboard's drill-down does), with the customers shown."""
    if cards:
        audit.record(
            actor=request.user,
            action="view",
            object_type="customers.customer",
            object_label=label,
            changes={"fields": ["name"], "customers": sorted({c["customer_id"] for c in cards})},
        )


def board_context(request: HttpRequest, pipeline: Pipeline) -> dict[str, Any]:
    data = selectors.board(request.user, pipeline)
    record_names_shown(
        request, [c for column in data["columns"] for c in column.cards], "pipeline board"
    )
    links = CardLinks()
    return {
        "pipeline": pipeline,
        "columns": [column_view(c, links) for c in data["columns"]],
        "won": data["won"],
        "lost": data["lost"],
    }


def _pipeline(request: HttpRequest, pipeline_id: int) -> Pipeline:
    try:
        return selectors.pipeline_for_user(request.user, pipeline_id)
    except Pipeline.DoesNotExist as exc:
        raise Http404 from exc


@requires("deals.view")
@require_GET
def board_first(request: HttpRequest) -> HttpResponse:
    """The board of the first active pipeline."""
    first = selectors.pipelines_for_user(request.user).first()
    if first is None:
        return render(request, "sales/board.html", {"pipelines": [], "pipeline": None})
    return redirect("web:deal_board", first.pk)


@requires("deals.view")
@require_GET
def board(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    pipeline = _pipeline(request, pipeline_id)
    context = board_context(request, pipeline)
    context["pipelines"] = selectors.pipelines_for_user(request.user)
    context["lost_reasons"] = selectors.lost_reasons_for_user(request.user)
    return render(request, "sales/board.html", context)


@requires("deals.view")
@require_GET
def board_columns(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    """The columns alone: what the board re-fetches when its websocket hears of a change."""
    pipeline = _pipeline(request, pipeline_id)
    return render(request, "sales/_board_columns.html", board_context(request, pipeline))


class AfterForm(forms.Form):
    after_rank = forms.IntegerField(min_value=-(2**62), max_value=2**62)
    after_id = forms.IntegerField(min_value=1, max_value=2**62)


@requires("deals.view")
@require_GET
def column_more(request: HttpRequest, stage_id: int) -> HttpResponse:
    """The next cards of a column, after the last one shown (keyset on rank and id)."""
    try:
        stage = selectors.stage_for_user(request.user, stage_id)
    except Stage.DoesNotExist as exc:
        raise Http404 from exc
    after = AfterForm(request.GET)
    if not after.is_valid():
        return HttpResponse("Bad cursor.", status=400, content_type="text/plain")
    cards, more = selectors.column_cards(
        stage.pk, after=(after.cleaned_data["after_rank"], after.cleaned_data["after_id"])
    )
    record_names_shown(request, cards, "pipeline board")
    context = {
        "stage": stage,
        "cards": [card_view(c, CardLinks()) for c in cards],
        "more": more,
        "last": cards[-1] if cards else None,
    }
    return render(request, "sales/_column_more.html", context)
