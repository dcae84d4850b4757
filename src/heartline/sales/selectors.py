"""Reads of the sales app shared by pages and the API, each checking the asking user's
permission: pipelines, deal lists with filters, one deal with its history, the board."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from heartline.customers import names
from heartline.sales.models import Deal, LostReason, Pipeline, Stage, StageChange
from heartline.timeline.hot import Rows, Section, day, decimal
from heartline.timeline.models import Interaction

CARDS_PER_COLUMN = 50
CARD_FIELDS = (
    "id",
    "title",
    "amount",
    "currency",
    "expected_close",
    "rank",
    "stage_id",
    "status",
    "customer_id",
    "customer__name_cjk",
    "customer__name_latin",
    "customer__name_pinyin",
    "owner_id",
    "owner__username",
    "owner__display_name",
)


def _require(user: Any, perm: str = "deals.view") -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(perm)


# --- Pipelines -------------------------------------------------------------------------------
def pipelines_for_user(user: Any, *, include_inactive: bool = False) -> QuerySet[Pipeline]:
    """Pipelines in board order, each with its stages prefetched in order."""
    _require(user)
    rows = Pipeline.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
    )
    return rows if include_inactive else rows.filter(active=True)


def pipeline_for_user(user: Any, pipeline_id: int) -> Pipeline:
    return pipelines_for_user(user, include_inactive=True).get(pk=pipeline_id)


def stage_for_user(user: Any, stage_id: int) -> Stage:
    _require(user)
    return Stage.objects.select_related("pipeline").get(pk=stage_id)


def lost_reasons_for_user(user: Any) -> QuerySet[LostReason]:
    _require(user)
    return LostReason.objects.filter(active=True)


# --- Deals -----------------------------------------------------------------------------------
def deals_for_user(user: Any) -> QuerySet[Deal]:
    """Every deal the user may see (one shared base: all deals, for ``deals.view``)."""
    _require(user)
    return Deal.objects.all()


def deal_for_user(user: Any, deal_id: int) -> Deal:
    return (
        deals_for_user(user)
        .select_related("customer", "pipeline", "stage", "owner", "lost_reason")
        .get(pk=deal_id)
    )


@dataclass(frozen=True)
class DealFilters:
    pipeline_id: int | None = None
    stage_id: int | None = None
    owner_id: int | None = None
    customer_id: int | None = None
    status: str | None = None
    close_from: datetime.date | None = None
    close_to: datetime.date | None = None
    q: str = ""


def _customer_matches(q: str) -> Q:
    """Deals whose customer's name holds ``q`` (characters, traditional or simplified; pinyin
    or Latin letters without tones, any case) — through the customer's folded search keys."""
    folded = names.fold(q)
    match = Q(customer__key_cjk__contains=names.simplified(q))
    if folded:
        match |= Q(customer__key_pinyin__contains=folded) | Q(customer__key_latin__contains=folded)
    return match


def deal_list(user: Any, filters: DealFilters) -> QuerySet[Deal]:
    """Deals matching ``filters``, newest first (the list page and ``GET /deals``)."""
    rows = deals_for_user(user)
    if filters.pipeline_id is not None:
        rows = rows.filter(pipeline_id=filters.pipeline_id)
    if filters.stage_id is not None:
        rows = rows.filter(stage_id=filters.stage_id)
    if filters.owner_id is not None:
        rows = rows.filter(owner_id=filters.owner_id)
    if filters.customer_id is not None:
        rows = rows.filter(customer_id=filters.customer_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.close_from is not None:
        rows = rows.filter(expected_close__gte=filters.close_from)
    if filters.close_to is not None:
        rows = rows.filter(expected_close__lte=filters.close_to)
    q = filters.q.strip()
    if q:
        rows = rows.filter(Q(title__icontains=q) | _customer_matches(q))
    return rows.order_by("-id")


def stage_history(user: Any, deal: Deal) -> list[StageChange]:
    _require(user)
    return list(
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "by")
        .order_by("at", "id")
    )


def deal_timeline(user: Any, deal: Deal, *, limit: int = 50) -> list[Interaction]:
    """The deal's entries on its customer's timeline, newest first."""
    _require(user)
    if not user.has_perm("customers.view"):
        return []
    return list(
        Interaction.objects.filter(
            customer_id=deal.customer_id, link_type="deal", link_id=str(deal.pk)
        )
        .select_related("staff")
        .order_by("-occurred_at", "-id")[:limit]
    )


# --- The board -------------------------------------------------------------------------------
@dataclass
class Column:
    stage: Stage
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)  # currency -> sum
    cards: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False

    @property
    def weighted(self) -> dict[str, Decimal]:
        share = Decimal(self.stage.probability) / 100
        return {currency: amount * share for currency, amount in self.amounts.items()}


def column_totals(stage_ids: list[int]) -> dict[int, tuple[int, dict[str, Decimal]]]:
    """Count and amount per currency of each stage, by one aggregate query."""
    totals: dict[int, tuple[int, dict[str, Decimal]]] = {}
    rows = (
        Deal.objects.filter(stage_id__in=stage_ids)
        .values("stage_id", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        count, amounts = totals.get(row["stage_id"], (0, {}))
        if row["total"] is not None:
            amounts[row["currency"]] = row["total"]
        totals[row["stage_id"]] = (count + row["n"], amounts)
    return totals


def column_cards(
    stage_id: int, *, after: tuple[int, int] | None = None, limit: int = CARDS_PER_COLUMN
) -> tuple[list[dict[str, Any]], bool]:
    """One page of a column's cards in board order, and whether more follow."""
    rows = Deal.objects.filter(stage_id=stage_id)
    if after is not None:
        rank, pk = after
        rows = rows.filter(Q(rank__gt=rank) | Q(rank=rank, pk__gt=pk))
    cards = list(rows.order_by("rank", "id").values(*CARD_FIELDS)[: limit + 1])
    return cards[:limit], len(cards) > limit


def board(user: Any, pipeline: Pipeline, *, limit: int = CARDS_PER_COLUMN) -> dict[str, Any]:
    """The board of ``pipeline``: a column per open stage with its first ``limit`` cards, its
    count and its (weighted) amounts; and the won and lost stages as drop zones."""
    _require(user)
    stages = sorted(pipeline.stages.all(), key=lambda s: (s.position, s.pk))  # prefetched
    open_stages = [s for s in stages if s.kind == Stage.Kind.OPEN]
    totals = column_totals([s.pk for s in open_stages])
    columns = []
    for stage in open_stages:
        count, amounts = totals.get(stage.pk, (0, {}))
        cards, more = column_cards(stage.pk, limit=limit) if count else ([], False)
        columns.append(Column(stage=stage, count=count, amounts=amounts, cards=cards, more=more))
    return {
        "pipeline": pipeline,
        "columns": columns,
        "won": [s for s in stages if s.kind == Stage.Kind.WON],
        "lost": [s for s in stages if s.kind == Stage.Kind.LOST],
    }


# --- The customer 360 ------------------------------------------------------------------------
DEAL_SECTION_LIMIT = 10
DEAL_SECTION_FIELDS = (
    "id",
    "title",
    "amount",
    "currency",
    "expected_close",
    "pipeline_id",
    "stage_id",
    "stage__name_en",
    "stage__name_zh",
    "stage__probability",
    "owner_id",
)


def _deal_section_rows(rows: Rows) -> list[dict[str, Any]]:
    deals = [dict(zip(DEAL_SECTION_FIELDS, row, strict=True)) for row in rows]
    for deal in deals:
        deal["amount"] = decimal(deal["amount"], 4)
        deal["expected_close"] = day(deal["expected_close"])
    return deals


# The 360's "deals" section: the customer's open deals, newest first — one query through
# deal_customer_idx (customer, -id), run on the 360's cursor. Called alone, it runs by itself.
open_deals_of_customer = Section(
    permission="deals.view",
    sql=(
        "SELECT d.id, d.title, d.amount, d.currency, d.expected_close, d.pipeline_id,"
        " d.stage_id, s.name_en, s.name_zh, s.probability, d.owner_id"
        " FROM sales_deal d JOIN sales_stage s ON s.id = d.stage_id"
        " WHERE d.customer_id = %s AND d.status = %s ORDER BY d.id DESC LIMIT %s"
    ),
    params=lambda customer_id: [customer_id, Deal.Status.OPEN.value, DEAL_SECTION_LIMIT],
    shape=_deal_section_rows,
)
