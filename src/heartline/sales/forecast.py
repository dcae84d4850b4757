"""The sales forecast and its measures, each with the query of the deals behind it.

* **Weighted pipeline**: open deals by month of expected close and owner; each deal counts its
  amount × its stage's probability. Deals without a close date fall in a bucket of their own.
* **Won** by month of closing (what was forecast and what came in).
* **Win rate**: won ÷ (won + lost) among deals closed in the period.
* **Cycle length**: mean days from creation to closing of the deals won in the period.

Amounts are never added across currencies: every figure is for one currency. Each figure
comes from :func:`deals_behind` with the same filters, so a drill-down lists exactly the
deals that make the number (``tests/forecast`` checks the sums agree).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from heartline.catalogue.money import round_money
from heartline.sales.models import Deal

Metric = Literal["open", "won", "lost"]
NONE = "none"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_key(day: datetime.date | None) -> str:
    return day.strftime("%Y-%m") if day else NONE


def parse_month(text: str) -> datetime.date | None:
    """``YYYY-MM`` as the first day of that month; ``none`` or garbage as None."""
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Period:
    """Months ``[first, first + months)`` ahead for the forecast, and as many back for actuals."""

    first: datetime.date
    months: int

    @property
    def end(self) -> datetime.date:
        return add_months(self.first, self.months)

    @property
    def back(self) -> datetime.date:
        return add_months(self.first, -self.months)

    def month_keys(self) -> list[str]:
        return [month_key(add_months(self.first, i)) for i in range(self.months)]

    def past_month_keys(self) -> list[str]:
        return [month_key(add_months(self.back, i)) for i in range(self.months)]


def default_period(months: int = 6) -> Period:
    return Period(month_start(timezone.localdate()), months)


def _tz_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def deals_behind(
    metric: Metric,
    *,
    currency: str,
    period: Period,
    pipeline_id: int | None = None,
    month: str | None = None,
    owner: str | None = None,
) -> QuerySet[Deal]:
    """The deals that make a figure: ``month`` is ``YYYY-MM`` or ``none``; ``owner`` an id or
    ``none`` (unassigned); either left out means all."""
    deals = Deal.objects.filter(currency=currency)
    if pipeline_id is not None:
        deals = deals.filter(pipeline_id=pipeline_id)
    if metric == "open":
        deals = deals.filter(status=Deal.Status.OPEN)
        if month == NONE:
            deals = deals.filter(expected_close__isnull=True)
        elif month:
            first = parse_month(month) or period.first
            deals = deals.filter(expected_close__lt=add_months(first, 1))
            if first > period.first:  # overdue deals count in the period's first month
                deals = deals.filter(expected_close__gte=first)
        else:
            deals = deals.filter(Q(expected_close__lt=period.end) | Q(expected_close__isnull=True))
    else:
        deals = deals.filter(status=metric)
        first, end = period.back, period.first
        if month:
            first = parse_month(month) or period.back
            end = add_months(first, 1)
        deals = deals.filter(closed_at__gte=_tz_start(first), closed_at__lt=_tz_start(end))
    if owner == NONE:
        deals = deals.filter(owner__isnull=True)
    elif owner:
        deals = deals.filter(owner_id=int(owner))
    return deals


def weighted(amount: Decimal | None, probability: int) -> Decimal:
    """Amount × probability, exact (rounded only when shown, so drill-downs add up)."""
    return (amount or Decimal(0)) * probability / 100


@dataclass
class Forecast:
    currency: str
    period: Period
    months: list[str]
    past_months: list[str]
    owners: dict[str, str]  # owner key -> label
    open_count: int = 0
    open_amount: Decimal = Decimal(0)
    weighted_amount: Decimal = Decimal(0)
    # (month key, owner key) -> figures; month key may be NONE.
    cells: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    won_by_month: dict[str, Decimal] = field(default_factory=dict)
    won_count: int = 0
    lost_count: int = 0
    won_amount: Decimal = Decimal(0)
    cycle_days: float | None = None

    @property
    def win_rate(self) -> float | None:
        closed = self.won_count + self.lost_count
        return self.won_count / closed if closed else None

    def weighted_by_month(self, owner: str) -> list[Decimal]:
        return [self.cells.get((m, owner), {}).get("weighted", Decimal(0)) for m in self.months]


def forecast(
    *, currency: str, period: Period | None = None, pipeline_id: int | None = None
) -> Forecast:
    """Every figure of the dashboard in four grouped queries."""
    period = period or default_period()
    result = Forecast(
        currency=currency,
        period=period,
        months=period.month_keys(),
        past_months=period.past_month_keys(),
        owners={},
    )
    open_rows = (
        deals_behind("open", currency=currency, period=period, pipeline_id=pipeline_id)
        .annotate(month=TruncMonth("expected_close"))
        .values("month", "owner_id", "owner__username", "stage__probability")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for row in open_rows:
        month = month_key(row["month"])
        if month != NONE and row["month"] < period.first:
            month = month_key(period.first)  # overdue deals count in the current month
        owner = str(row["owner_id"]) if row["owner_id"] else NONE
        result.owners[owner] = row["owner__username"] or ""
        amount = row["amount"] or Decimal(0)
        weight = weighted(row["amount"], row["stage__probability"])
        cell = result.cells.setdefault(
            (month, owner), {"count": 0, "amount": Decimal(0), "weighted": Decimal(0)}
        )
        cell["count"] += row["count"]
        cell["amount"] += amount
        cell["weighted"] += weight
        result.open_count += row["count"]
        result.open_amount += amount
        result.weighted_amount += weight
    closed = (
        deals_behind("won", currency=currency, period=period, pipeline_id=pipeline_id)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for won in closed:
        key = month_key(timezone.localdate(won["month"]) if won["month"] else None)
        amount = won["amount"] or Decimal(0)
        result.won_by_month[key] = result.won_by_month.get(key, Decimal(0)) + amount
        result.won_count += won["count"]
        result.won_amount += amount
    result.lost_count = deals_behind(
        "lost", currency=currency, period=period, pipeline_id=pipeline_id
    ).count()
    durations = (
        deals_behind("won", currency=currency, period=period, pipeline_id=pipeline_id)
        .annotate(took=F("closed_at") - F("created_at"))
        .values_list("took", flat=True)
    )
    days = [d.total_seconds() / 86400 for d in durations if d is not None]
    result.cycle_days = round(sum(days) / len(days), 1) if days else None
    return result


@dataclass
class DrillDown:
    rows: list[dict[str, Any]]
    count: int
    amount: Decimal
    weighted: Decimal


def drill_down(deals: QuerySet[Deal], currency: str, limit: int = 500) -> DrillDown:
    """The deals behind a figure with their weighted amounts, and the figure's totals
    (over all of them, even past ``limit`` rows shown)."""
    count = 0
    amount = weight = Decimal(0)
    rows: list[dict[str, Any]] = []
    ordered = deals.select_related("customer", "stage", "owner").order_by("expected_close", "id")
    for deal in ordered.iterator(chunk_size=1000):
        share = weighted(deal.amount, deal.stage.probability)
        count += 1
        amount += deal.amount or Decimal(0)
        weight += share
        if len(rows) < limit:
            rows.append({"deal": deal, "weighted": round_money(share, currency)})
    return DrillDown(rows, count, round_money(amount, currency), round_money(weight, currency))
