"""The sales dashboard: weighted forecast, won, win rate, cycle length — each number a link to
the deals behind it (for those who may see deals)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from heartline.catalogue.money import DEFAULT_CURRENCY, currency_code, format_money, round_money
from heartline.core import audit
from heartline.core.access import requires
from heartline.sales import forecast as fc
from heartline.sales.models import Pipeline


class DashboardFilters(forms.Form):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.filter(active=True),
        required=False,
        empty_label=_("All pipelines"),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    months = forms.TypedChoiceField(
        label=_("Months"),
        choices=[(3, "3"), (6, "6"), (12, "12")],
        coerce=int,
        required=False,
    )

    def clean_currency(self) -> str:
        value = self.cleaned_data.get("currency") or ""
        if not value:
            pipeline = self.cleaned_data.get("pipeline")
            return pipeline.currency if pipeline else DEFAULT_CURRENCY
        try:
            return currency_code(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class DrillDownFilters(DashboardFilters):
    metric = forms.ChoiceField(
        choices=[("open", "open"), ("won", "won"), ("lost", "lost")], required=False
    )
    month = forms.RegexField(regex=r"^(\d{4}-\d{2}|none)$", required=False)
    owner = forms.RegexField(regex=r"^(\d{1,12}|none)$", required=False)


def _money(amount: Decimal, currency: str) -> str:
    return format_money(round_money(amount, currency), currency, get_language() or "en")


def _filters(form: DashboardFilters) -> tuple[str, fc.Period, int | None]:
    data = form.cleaned_data
    pipeline = data.get("pipeline")
    period = fc.default_period(data.get("months") or 6)
    return data["currency"], period, pipeline.pk if pipeline else None


def _kept(request: HttpRequest) -> dict[str, str]:
    """The dashboard's own filters from the query string, to carry into links."""
    return {k: request.GET[k] for k in ("pipeline", "currency", "months") if k in request.GET}


def _chart_data(result: fc.Forecast) -> dict[str, Any]:
    owners = sorted(result.owners, key=lambda key: result.owners[key] or "~")
    return {
        "currency": result.currency,
        "months": result.months,
        "forecast": [
            {
                "label": result.owners[o] or str(_("Unassigned")),
                "data": [str(round_money(v, result.currency)) for v in result.weighted_by_month(o)],
            }
            for o in owners
        ],
        "past_months": result.past_months,
        "won": [
            str(round_money(result.won_by_month.get(m, Decimal(0)), result.currency))
            for m in result.past_months
        ],
        "labels": {"forecast": str(_("Weighted forecast")), "won": str(_("Won"))},
    }


@requires("sales.forecast")
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardFilters(request.GET or {"months": 6})
    if not form.is_valid():
        return render(request, "sales/dashboard.html", {"form": form}, status=400)
    currency, period, pipeline_id = _filters(form)
    result = fc.forecast(currency=currency, period=period, pipeline_id=pipeline_id)
    base = _kept(request)
    base["currency"] = currency
    may_drill = request.user.has_perm("deals.view")

    def link(metric: str, **extra: str) -> str:
        if not may_drill:
            return ""
        return reverse("web:sales_drilldown") + "?" + urlencode({**base, "metric": metric, **extra})

    owners = sorted(result.owners, key=lambda key: result.owners[key] or "~")
    rows = []
    for owner in owners:
        cells = []
        for month in [*result.months, fc.NONE]:
            cell = result.cells.get((month, owner))
            cells.append(
                {
                    "text": _money(cell["weighted"], currency) if cell else "",
                    "count": cell["count"] if cell else 0,
                    "link": link("open", month=month, owner=owner) if cell else "",
                }
            )
        rows.append({"owner": result.owners[owner] or _("Unassigned"), "cells": cells})
    win_rate = result.win_rate
    context = {
        "form": form,
        "result": result,
        "currency": currency,
        "rows": rows,
        "tiles": [
            {
                "label": _("Open pipeline"),
                "value": _money(result.open_amount, currency),
                "detail": _("%(n)s open deals") % {"n": result.open_count},
                "link": link("open"),
                "key": "open",
            },
            {
                "label": _("Weighted forecast"),
                "value": _money(result.weighted_amount, currency),
                "detail": _("amount × stage probability"),
                "link": link("open"),
                "key": "weighted",
            },
            {
                "label": _("Won"),
                "value": _money(result.won_amount, currency),
                "detail": _("%(n)s deals in the last %(m)s months")
                % {"n": result.won_count, "m": period.months},
                "link": link("won"),
                "key": "won",
            },
            {
                "label": _("Win rate"),
                "value": f"{win_rate * 100:.0f} %" if win_rate is not None else "—",
                "detail": _("%(won)s won, %(lost)s lost")
                % {"won": result.won_count, "lost": result.lost_count},
                "link": link("lost"),
                "key": "win_rate",
            },
            {
                "label": _("Cycle length"),
                "value": (
                    _("%(days)s days") % {"days": result.cycle_days}
                    if result.cycle_days is not None
                    else "—"
                ),
                "detail": _("creation to won, mean"),
                "link": link("won"),
                "key": "cycle",
            },
        ],
        "chart_json": json.dumps(_chart_data(result)),
        "month_headers": [*result.months, _("no date")],
    }
    return render(request, "sales/dashboard.html", context)


@requires("deals.view")
def drilldown(request: HttpRequest) -> HttpResponse:
    form = DrillDownFilters(request.GET)
    if not form.is_valid():
        return render(request, "sales/drilldown.html", {"form": form}, status=400)
    currency, period, pipeline_id = _filters(form)
    data = form.cleaned_data
    metric = cast(fc.Metric, data.get("metric") or "open")  # a ChoiceField of the three
    deals = fc.deals_behind(
        metric,
        currency=currency,
        period=period,
        pipeline_id=pipeline_id,
        month=data.get("month") or None,
        owner=data.get("owner") or None,
    )
    result = fc.drill_down(deals, currency)
    if result.rows:  # the list names customers: a view of personal data
        audit.record(
            actor=request.user,
            action="view",
            object_type="customers.customer",
            object_label="deal drill-down",
            changes={
                "fields": ["name"],
                "customers": sorted({row["deal"].customer_id for row in result.rows}),
            },
        )
    for row in result.rows:
        amount = row["deal"].amount
        row["amount_text"] = _money(amount, currency) if amount is not None else "—"
        row["weighted_text"] = _money(row["weighted"], currency)
    context = {
        "form": form,
        "metric": metric,
        "currency": currency,
        "result": result,
        "amount": _money(result.amount, currency),
        "weighted": _money(result.weighted, currency),
        "back": reverse("web:sales_dashboard") + "?" + urlencode(_kept(request)),
    }
    return render(request, "sales/drilldown.html", context)
