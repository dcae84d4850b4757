"""Reads of the customer memory: lookup by identifier, search by name, consent state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q, QuerySet

from heartline.core import audit
from heartline.customers import identities, names
from heartline.customers.models import (
    ConsentEvent,
    Customer,
    DuplicatePair,
    Identity,
    Merge,
    Note,
)

SEARCH_LIMIT = 50


def _require_view(user: Any) -> None:
    if not user.has_perm("customers.view"):
        raise PermissionDenied("customers.view")


def customers_for_user(user: Any) -> QuerySet[Customer]:
    """Every customer the user may see (one shared base, no silos: all, for customers.view)."""
    _require_view(user)
    return Customer.objects.filter(merged_into__isnull=True)


def customer_for_user(user: Any, customer_id: int) -> Customer:
    customer = customers_for_user(user).filter(pk=customer_id).first()
    if customer is None:
        raise Customer.DoesNotExist(f"No customer {customer_id}.")
    return customer


LOOKUP_SQL = (
    "SELECT i.customer_id FROM customers_identity i"
    " JOIN customers_customer c ON c.id = i.customer_id AND c.merged_into_id IS NULL"
    " WHERE i.kind = %s AND i.provider = %s AND i.value = %s"
)


def customer_id_by_identifier(user: Any, *, kind: str, raw: str, provider: str = "") -> int | None:
    """The id of the customer owning an identifier typed in any common format, or None.

    The screen pop's first step, so one indexed query in SQL (the unique identity index)."""
    _require_view(user)
    value = identities.normalise(kind, raw)
    with connection.cursor() as cursor:
        cursor.execute(LOOKUP_SQL, [kind, provider, value])
        row = cursor.fetchone()
    return int(row[0]) if row else None


def customer_lookup(user: Any, *, kind: str, raw: str) -> Customer | None:
    """The customer owning an identifier typed in any common format, or None."""
    customer_id = customer_id_by_identifier(user, kind=kind, raw=raw)
    return Customer.objects.get(pk=customer_id) if customer_id is not None else None


PROFILE_VIEW_FIELDS = ["consent", "identities", "profile"]


def customer_profile(user: Any, customer_id: int) -> Customer:
    """A customer's profile for display, recorded in the audit trail as a view."""
    customer = customer_for_user(user, customer_id)
    audit.record_view(actor=user, obj=customer, fields=PROFILE_VIEW_FIELDS)
    return customer


@dataclass(frozen=True)
class SearchHit:
    customer_id: int
    display_name: str
    name_pinyin: str
    name_latin: str
    matched: str  # phone, email, member_no, name, pinyin, latin
    rank: int  # lower is better


def _identifier_hits(q: str) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for kind in ("phone", "email", "member_no"):
        try:
            value = identities.normalise(kind, q)
        except ValidationError:
            continue
        # provider="" (these kinds have none) lets the unique (kind, provider, value) index
        # answer; no ordering, so no "ORDER BY ... LIMIT" plan either.
        matches = Identity.objects.filter(
            kind=kind, provider="", value=value, customer__merged_into__isnull=True
        ).order_by()
        for ident in matches.select_related("customer")[:5]:
            c = ident.customer
            hits.append(SearchHit(c.pk, c.display_name, c.name_pinyin, c.name_latin, kind, 0))
    return hits


_HIT_FIELDS = ("id", "name_cjk", "name_pinyin", "name_latin", "key_cjk", "key_pinyin", "key_latin")


def _uses_like(column: str) -> bool:
    return column == "key_cjk" and connection.vendor != "sqlite"


def _first_hits(rows: QuerySet[Customer], column: str, *, like: bool, n: int) -> list[Customer]:
    """The first ``n`` rows by (key, id), through the key's index.

    "ORDER BY id LIMIT n" would tempt PostgreSQL to walk the primary key hoping to meet n
    matches early (0.4 s at a million customers); hence the (key, id) indexes. A ``LIKE``
    prefix is served only by the pattern-ops index, whose order is not the column's, so there
    a bounded set is fetched without ordering and ordered here.
    """
    if not like:
        return list(rows.order_by(column, "id")[:n])
    found = list(rows.order_by()[: n * 10])
    return sorted(found, key=lambda c: (getattr(c, column), c.pk))[:n]


def prefix(column: str, text: str) -> Q:
    """Rows whose ``column`` starts with ``text``, through the column's own index.

    The pinyin and Latin keys hold only ``[a-z0-9]``, which every collation orders like ASCII,
    so their prefix is a range, [text, text with its last character incremented), served by
    the column's ordinary index (which also gives ``ORDER BY column``). So are characters on
    SQLite (UTF-8 byte order is code-point order; its LIKE ignores indexes). Characters on
    PostgreSQL use ``LIKE 'text%'`` through the ``varchar_pattern_ops`` index Django adds.
    """
    if column == "key_cjk" and connection.vendor != "sqlite":
        return Q(**{f"{column}__startswith": text})
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return Q(**{f"{column}__gte": text, f"{column}__lt": upper})


def customer_search(user: Any, q: str, *, limit: int = 20) -> list[SearchHit]:
    """Ranked: exact identifier, exact name, name prefix. Indexed prefix queries only."""
    _require_view(user)
    q = q.strip()[:100]
    limit = max(1, min(limit, SEARCH_LIMIT))
    if not q:
        return []
    hits = _identifier_hits(q)
    conditions: list[tuple[str, str, str]] = []
    if names.has_cjk(q):
        conditions.append(("key_cjk", names.simplified(q), "name"))
    else:
        folded = names.fold(q)
        if len(folded) >= 2:
            conditions += [("key_pinyin", folded, "pinyin"), ("key_latin", folded, "latin")]
    seen = {h.customer_id for h in hits}
    base = Customer.objects.filter(merged_into__isnull=True)
    for exact in (True, False):
        for column, key, matched in conditions:
            lookup = Q(**{column: key}) if exact else prefix(column, key)
            rows = base.filter(lookup).exclude(pk__in=seen).only(*_HIT_FIELDS)
            for c in _first_hits(rows, column, like=not exact and _uses_like(column), n=limit):
                seen.add(c.pk)
                rank = 1 if exact else 2
                hits.append(
                    SearchHit(c.pk, c.display_name, c.name_pinyin, c.name_latin, matched, rank)
                )
    ranked = sorted(hits, key=lambda h: (h.rank, h.customer_id))[:limit]
    if ranked:  # a result list shows names and numbers: a view of personal data
        audit.record(
            actor=user,
            action="view",
            object_type="customers.customer",
            object_label="search results",
            changes={"fields": ["search"], "customers": [h.customer_id for h in ranked]},
        )
    return ranked


def consent_state(customer_id: int) -> dict[str, dict[str, Any]]:
    """Latest decision per purpose: {purpose: {"granted", "source", "at"}}; absent = never asked."""
    state: dict[str, dict[str, Any]] = {}
    rows = ConsentEvent.objects.filter(customer_id=customer_id).order_by("-id")
    for purpose, granted, source, at in rows.values_list("purpose", "granted", "source", "at"):
        state.setdefault(purpose, {"granted": granted, "source": source, "at": at})
    return state


CONSENT_HISTORY_SHOWN = 50
CONSENT_HISTORY_FIELDS = (
    "id",
    "purpose",
    "granted",
    "source",
    "evidence",
    "at",
    "recorded_by__username",
)


def consent_history(user: Any, customer_id: int) -> list[dict[str, Any]]:
    """The consent ledger of a customer, newest first (the latest rows, one indexed query)."""
    _require_view(user)
    rows = ConsentEvent.objects.filter(customer_id=customer_id).order_by("-id")
    return [dict(row) for row in rows.values(*CONSENT_HISTORY_FIELDS)[:CONSENT_HISTORY_SHOWN]]


def duplicate_pairs_for_user(user: Any) -> QuerySet[DuplicatePair]:
    """Pairs the periodic scan found, not dismissed, both customers still live."""
    _require_view(user)
    return DuplicatePair.objects.filter(
        dismissed_at__isnull=True, low__merged_into__isnull=True, high__merged_into__isnull=True
    )


NOTES_SHOWN = 20
NOTE_FIELDS = ("id", "text", "pinned", "created_at", "author__username")


def notes_of(user: Any, customer_id: int) -> list[dict[str, Any]]:
    """A customer's notes, pinned ("worth remembering") first, newest first."""
    _require_view(user)
    rows = Note.objects.filter(customer_id=customer_id).order_by("-pinned", "-id")
    return [dict(row) for row in rows.values(*NOTE_FIELDS)[:NOTES_SHOWN]]


def first_phones(user: Any, customer_ids: list[int]) -> dict[int, str]:
    """The first phone (E.164) of each listed customer, in one indexed query."""
    _require_view(user)
    phones: dict[int, str] = {}
    rows = Identity.objects.filter(customer_id__in=customer_ids, kind=Identity.Kind.PHONE)
    for customer_id, value in rows.order_by("id").values_list("customer_id", "value"):
        phones.setdefault(customer_id, value)
    return phones


def merged_into(user: Any, customer_id: int) -> int | None:
    """Where a merged-away customer went, or None (never merged, or no such customer)."""
    _require_view(user)
    return Customer.objects.filter(pk=customer_id).values_list("merged_into_id", flat=True).first()


def merge_for_user(user: Any, merge_id: int) -> Merge:
    if not user.has_perm("customers.merge"):
        raise PermissionDenied("customers.merge")
    return Merge.objects.get(pk=merge_id)
