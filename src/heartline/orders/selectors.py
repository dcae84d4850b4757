"""Reads of quotes and orders, each checking the asking user's permission.

A customer's order history is keyset-paginated on (placed_at, id), newest first, through the
(customer, -placed_at, -id) index: any page costs the same at 10 or 10,000 orders.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum

from heartline.catalogue.money import format_money, round_money
from heartline.customers.models import Customer, display_name
from heartline.orders.lifecycle import NOT_SPENT
from heartline.orders.models import Order, OrderLine, OrderStatusChange, Quote
from heartline.timeline.hot import Rows, Section, aware

PAGE = 50
SECTION_RECENT = 5
Cursor = tuple[datetime.datetime, int]


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(perm)


# --- Quotes ----------------------------------------------------------------------------------
def quotes_for_user(user: Any) -> QuerySet[Quote]:
    _require(user, "quotes.manage")
    return Quote.objects.all()


def quote_for_user(user: Any, quote_id: int) -> Quote:
    return quotes_for_user(user).select_related("customer", "deal").get(pk=quote_id)


QUOTE_FIELDS = (
    "id",
    "number",
    "title",
    "status",
    "currency",
    "total",
    "valid_until",
    "created_at",
    "sent_at",
    "deal_id",
    "customer_id",
    "customer__name_cjk",
    "customer__name_latin",
    "customer__name_pinyin",
)


def _named(row: dict[str, Any]) -> dict[str, Any]:
    row["customer_name"] = display_name(
        row["customer_id"],
        row.pop("customer__name_cjk"),
        row.pop("customer__name_latin"),
        row.pop("customer__name_pinyin"),
    )
    return row


def quote_list(
    user: Any, *, status: str = "", before: int | None = None, limit: int = PAGE
) -> list[dict[str, Any]]:
    """Quotes newest first (keyset on id), optionally of one status."""
    rows = quotes_for_user(user)
    if status:
        rows = rows.filter(status=status)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return [_named(dict(r)) for r in rows.order_by("-id").values(*QUOTE_FIELDS)[:limit]]


def quotes_for_deal(deal_id: int, *, user: Any = None) -> list[dict[str, Any]]:
    """The quotes of a deal, newest first (for the deal page's fragment
    ``orders/_deal_quotes.html``). With ``user``, empty unless they may manage quotes."""
    if user is not None and not user.has_perm("quotes.manage"):
        return []
    rows = Quote.objects.filter(deal_id=deal_id).order_by("-id")
    fields = ("id", "number", "status", "currency", "total", "valid_until", "sent_at")
    quotes = [dict(r) for r in rows.values(*fields, "order__id", "order__number")[:20]]
    labels = dict(Quote.Status.choices)
    for q in quotes:
        q["status_label"] = labels.get(q["status"], q["status"])
        q["total_text"] = format_money(q["total"], q["currency"])
    return quotes


# --- Orders ----------------------------------------------------------------------------------
def orders_for_user(user: Any) -> QuerySet[Order]:
    _require(user, "orders.view")
    return Order.objects.all()


def order_for_user(user: Any, order_id: int) -> Order:
    return orders_for_user(user).select_related("customer", "quote").get(pk=order_id)


def order_lines(user: Any, order: Order) -> list[OrderLine]:
    _require(user, "orders.view")
    if order.written_lines is not None:  # just placed: no need to read them back
        return list(order.written_lines)
    return list(order.lines.all())  # by position


def order_history(user: Any, order: Order) -> list[dict[str, Any]]:
    """The order's steps, oldest first, with who made each."""
    _require(user, "orders.view")
    steps: Any = order.written_steps
    if steps is None:
        steps = OrderStatusChange.objects.filter(order=order).select_related("by")
    return [
        {
            "id": step.pk,
            "from_status": step.from_status,
            "to_status": step.to_status,
            "at": step.at,
            "via": step.via,
            "note": step.note,
            "by__username": step.by.username if step.by_id else None,
        }
        for step in steps
    ]


ORDER_FIELDS = (
    "id",
    "number",
    "status",
    "source",
    "currency",
    "total",
    "placed_at",
    "customer_id",
)


def _after(rows: QuerySet[Order], before: Cursor | None) -> QuerySet[Order]:
    """Rows older than the cursor; the ``placed_at <=`` bound lets the index start there."""
    if before is None:
        return rows
    at, pk = before
    return rows.filter(placed_at__lte=at).filter(Q(placed_at__lt=at) | Q(pk__lt=pk))


def order_list(
    user: Any, *, status: str = "", before: Cursor | None = None, limit: int = PAGE
) -> list[dict[str, Any]]:
    """All orders, newest first, optionally of one status."""
    rows = orders_for_user(user)
    if status:
        rows = rows.filter(status=status)
    fields = (*ORDER_FIELDS, "customer__name_cjk", "customer__name_latin", "customer__name_pinyin")
    page = _after(rows, before).order_by("-placed_at", "-id").values(*fields)[:limit]
    return [_named(dict(r)) for r in page]


def customer_orders(
    user: Any, customer_id: int, *, before: Cursor | None = None, limit: int = PAGE
) -> list[dict[str, Any]]:
    """One page of a customer's orders, newest first (one indexed query)."""
    rows = orders_for_user(user).filter(customer_id=customer_id)
    page = _after(rows, before).order_by("-placed_at", "-id").values(*ORDER_FIELDS)[:limit]
    return [dict(r) for r in page]


def customer_header(user: Any, customer_id: int) -> dict[str, Any] | None:
    """Name and merge state of a customer whose orders are shown, or None."""
    _require(user, "orders.view")
    row = (
        Customer.objects.filter(pk=customer_id)
        .values("id", "name_cjk", "name_latin", "name_pinyin", "merged_into_id")
        .first()
    )
    if row is None:
        return None
    name = display_name(row["id"], row["name_cjk"], row["name_latin"], row["name_pinyin"])
    return {"id": row["id"], "name": name, "merged_into_id": row["merged_into_id"]}


def _summed(rows: Any) -> tuple[int, list[dict[str, str]]]:
    """(count, spent per currency) from (currency, status, count, sum) rows."""
    count = 0
    spent: dict[str, Decimal] = {}
    for currency, status, n, total in rows:
        count += int(n)
        amount = Decimal(str(total if total is not None else 0))
        spent[currency] = spent.get(currency, Decimal(0)) + (
            Decimal(0) if status in NOT_SPENT else amount
        )
    return count, [
        {"currency": c, "amount": str(round_money(v, c))} for c, v in sorted(spent.items())
    ]


def customer_order_totals(user: Any, customer_id: int) -> dict[str, Any]:
    """How many orders the customer placed, and what they spent per currency (orders not
    cancelled, returned or refunded), in one grouped query answered from an index."""
    _require(user, "orders.view")
    rows = (
        Order.objects.filter(customer_id=customer_id)
        .values_list("currency", "status")
        .annotate(n=Count("id"), spent=Sum("total"))
        .order_by()
    )
    count, spent = _summed(rows)
    return {"count": count, "spent": spent}


SECTION_SQL = (
    "SELECT * FROM (SELECT 'order', id, number, status, currency, total, placed_at"
    " FROM orders_order WHERE customer_id = %s ORDER BY placed_at DESC, id DESC LIMIT %s) r"
    " UNION ALL"
    " SELECT 'sum', COUNT(*), NULL, status, currency, SUM(total), NULL"
    " FROM orders_order WHERE customer_id = %s GROUP BY currency, status"
)


def _amount(value: Any, currency: str) -> str:
    return str(round_money(Decimal(str(value if value is not None else 0)), currency))


def _orders_section_value(rows: Rows) -> dict[str, Any]:
    recent: list[dict[str, Any]] = []
    sums: list[tuple[str, str, int, Any]] = []
    for kind, pk, number, status, currency, total, placed_at in rows:
        if kind == "sum":
            sums.append((currency, status, pk, total))
            continue
        recent.append(
            {
                "id": pk,
                "number": number,
                "status": status,
                "currency": currency,
                "total": _amount(total, currency),
                "placed_at": aware(placed_at),
            }
        )
    count, spent = _summed(sums)
    last = recent[0]["placed_at"] if recent else None
    return {"recent": recent, "count": count, "spent": spent, "last_placed_at": last}


# The "orders" section of the customer 360: the latest orders, how many, and what was spent per
# currency — one query (order_customer_idx for the latest, order_totals_idx for the sums), run
# on the 360's cursor (the caller of the 360 has checked its permission). Called alone, it
# runs by itself.
orders_section = Section(
    permission="orders.view",
    sql=SECTION_SQL,
    params=lambda customer_id: [customer_id, SECTION_RECENT, customer_id],
    shape=_orders_section_value,
)
