"""What the periodic duplicate scan found: open pairs best first, both customers side by side,
"review & merge" (the merge page) or "not a duplicate" (dismissed for good)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from heartline.core.access import requires
from heartline.customers.duplicate_pairs import (
    CustomerFacts,
    PairRow,
    last_scan,
    open_pair_count,
    open_pairs,
    pair_for_user,
)
from heartline.customers.models import Customer, DuplicatePair
from heartline.customers.services import duplicate_pair_dismiss
from heartline.web.forms_customers import DuplicatePairFilterForm

PAGE_SIZE = 25
KINDS = dict(Customer.Kind.choices)
FACTS = (
    ("other_names", gettext_lazy("Other names")),
    ("kind", gettext_lazy("Kind")),
    ("phones", gettext_lazy("Phones")),
    ("emails", gettext_lazy("E-mail addresses")),
    ("member_numbers", gettext_lazy("Member numbers")),
    ("birthday", gettext_lazy("Birthday")),
    ("address", gettext_lazy("Address")),
    ("tags", gettext_lazy("Tags")),
    ("created_at", gettext_lazy("Customer since")),
)


def _fact(facts: CustomerFacts, name: str) -> Any:
    if name == "other_names":
        names = (facts.name_cjk, facts.name_pinyin, facts.name_latin)
        return ", ".join(n for n in names if n and n != facts.display_name)
    if name == "kind":
        return KINDS.get(facts.kind, facts.kind)
    if name == "created_at":
        return timezone.localtime(facts.created_at).date().isoformat() if facts.created_at else ""
    value = getattr(facts, name)
    return ", ".join(value) if isinstance(value, list) else value


def _side_by_side(row: PairRow) -> list[tuple[str, Any, Any, bool]]:
    """(label, low's value, high's value, the same on both) for each fact either side has."""
    lines = []
    for name, label in FACTS:
        low, high = _fact(row.low, name), _fact(row.high, name)
        if low or high:
            same = bool(low) and low == high and name not in ("kind", "created_at")
            lines.append((str(label), low, high, same))
    return lines


def _query(min_score: int | None, after: tuple[int, int] | None = None) -> str:
    query = QueryDict(mutable=True)
    if min_score:
        query["min_score"] = str(min_score)
    if after is not None:
        query["after"] = f"{after[0]}.{after[1]}"
    return query.urlencode()


@requires("customers.merge")
@require_GET
def pair_list(request: HttpRequest) -> HttpResponse:
    form = DuplicatePairFilterForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "scan": last_scan(request.user),
        "pairs": [],
        "open_count": None,
        "first_page": True,
        "first_query": "",
        "next_query": "",
    }
    if form.is_bound and not form.is_valid():
        return render(request, "web/customers/duplicate_pairs.html", context, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    min_score = filters.get("min_score") or 0
    page = open_pairs(
        request.user, min_score=min_score, after=filters.get("after"), limit=PAGE_SIZE
    )
    context |= {
        "pairs": [(row, _side_by_side(row)) for row in page.rows],
        "min_score": min_score,
        "open_count": open_pair_count(request.user, min_score=min_score),
        "first_page": filters.get("after") is None,
        "first_query": _query(min_score),
        "next_query": _query(min_score, page.next_after) if page.next_after else "",
    }
    return render(request, "web/customers/duplicate_pairs.html", context)


@requires("customers.merge")
@require_POST
def pair_dismiss(request: HttpRequest, pair_id: int) -> HttpResponse:
    back = DuplicatePairFilterForm(request.POST)
    if not back.is_valid():
        return HttpResponse(_("Bad minimum score."), status=400, content_type="text/plain")
    try:
        pair = pair_for_user(request.user, pair_id)
    except DuplicatePair.DoesNotExist:
        raise Http404 from None
    duplicate_pair_dismiss(actor=request.user, pair=pair)
    if getattr(request, "htmx", False):
        return HttpResponse("")  # the page removes the pair in place
    messages.success(
        request,
        _("#%(low)s and #%(high)s are not the same person: the scan will not propose them again.")
        % {"low": pair.low_id, "high": pair.high_id},
    )
    query = _query(back.cleaned_data["min_score"])
    return redirect(reverse("web:customer_duplicate_pairs") + (f"?{query}" if query else ""))
