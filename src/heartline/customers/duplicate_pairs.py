"""Reviewing what the periodic duplicate scan found: the open pairs, best first, each with
both customers' key facts side by side, one keyset page at a time.

Writes stay in the services (``services.duplicate_pair_dismiss``); this module only reads.
A page lists names and identifiers, so it is recorded in the audit trail as a view.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from heartline.core import audit
from heartline.core.models import AuditEntry
from heartline.customers.duplicates import reason_label
from heartline.customers.identities import display_phone
from heartline.customers.models import (
    Address,
    Customer,
    DuplicatePair,
    DuplicateScan,
    Identity,
    Moment,
    display_name,
)
from heartline.customers.selectors import duplicate_pairs_for_user

PAGE_SIZE = 25
IDENTIFIERS_SHOWN = 3  # per kind and customer
VIEWED_FIELDS = ["addresses", "identities", "moments", "profile"]


@dataclass
class CustomerFacts:
    """What a reviewer needs to tell two customers apart, without opening either."""

    id: int
    display_name: str
    name_cjk: str = ""
    name_pinyin: str = ""
    name_latin: str = ""
    kind: str = ""
    tags: list[str] = field(default_factory=list)
    created_at: datetime.datetime | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    member_numbers: list[str] = field(default_factory=list)
    birthday: str = ""
    address: str = ""


@dataclass(frozen=True)
class PairRow:
    id: int
    score: int
    reasons: list[str]  # in the reader's language
    found_at: datetime.datetime
    low: CustomerFacts
    high: CustomerFacts


@dataclass(frozen=True)
class PairPage:
    rows: list[PairRow]
    next_after: tuple[int, int] | None  # (score, id) of the last row when there is more


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(perm)


def _birthday(month: int, day: int, year: int | None) -> str:
    return f"{year}-{month:02d}-{day:02d}" if year else f"{month:02d}-{day:02d}"


def _facts_of(ids: list[int]) -> dict[int, CustomerFacts]:
    """Key facts of each listed customer in four indexed queries, however many there are."""
    facts: dict[int, CustomerFacts] = {}
    columns = ("id", "kind", "name_cjk", "name_pinyin", "name_latin", "tags", "created_at")
    for row in Customer.objects.filter(pk__in=ids).values(*columns):
        name = display_name(row["id"], row["name_cjk"], row["name_latin"], row["name_pinyin"])
        facts[row["id"]] = CustomerFacts(display_name=name, **row)
    lists = {"phone": "phones", "email": "emails", "member_no": "member_numbers"}
    identities = Identity.objects.filter(customer_id__in=ids, kind__in=list(lists))
    for cid, kind, value in identities.order_by("id").values_list("customer_id", "kind", "value"):
        shown = getattr(facts[cid], lists[kind])
        if len(shown) < IDENTIFIERS_SHOWN:
            shown.append(display_phone(value) if kind == Identity.Kind.PHONE else value)
    birthdays = Moment.objects.filter(customer_id__in=ids, kind=Moment.Kind.BIRTHDAY)
    for cid, month, day, year in birthdays.values_list("customer_id", "month", "day", "year"):
        facts[cid].birthday = _birthday(month, day, year)
    addresses = Address.objects.filter(customer_id__in=ids).order_by("id")
    for cid, text, city in addresses.values_list("customer_id", "text", "city"):
        if not facts[cid].address:
            facts[cid].address = f"{text}, {city}" if city else text
    return facts


def open_pairs(
    user: Any,
    *,
    min_score: int = 0,
    after: tuple[int, int] | None = None,
    limit: int = PAGE_SIZE,
) -> PairPage:
    """Open pairs (not dismissed, both customers live) scoring at least ``min_score``, by
    score then id; ``after`` is the (score, id) of the last row of the previous page."""
    _require(user, "customers.merge")
    pairs = duplicate_pairs_for_user(user).filter(score__gte=min_score)
    if after is not None:
        score, pair_id = after
        pairs = pairs.filter(Q(score__lt=score) | Q(score=score, id__gt=pair_id))
    columns = ("id", "score", "reasons", "found_at", "low_id", "high_id")
    found = list(pairs.order_by("-score", "id").values(*columns)[: limit + 1])
    shown = found[:limit]
    ids = sorted({r["low_id"] for r in shown} | {r["high_id"] for r in shown})
    facts = _facts_of(ids)
    rows = [
        PairRow(
            id=r["id"],
            score=r["score"],
            reasons=[reason_label(str(reason)) for reason in r["reasons"]],
            found_at=r["found_at"],
            low=facts[r["low_id"]],
            high=facts[r["high_id"]],
        )
        for r in shown
    ]
    if rows:
        audit.record(
            actor=user,
            action=AuditEntry.Action.VIEW,
            object_type="customers.customer",
            object_label="duplicate pairs",
            changes={"fields": VIEWED_FIELDS, "customers": ids},
        )
    more = len(found) > limit
    return PairPage(rows=rows, next_after=(rows[-1].score, rows[-1].id) if more else None)


def open_pair_count(user: Any, *, min_score: int = 0) -> int:
    _require(user, "customers.merge")
    return duplicate_pairs_for_user(user).filter(score__gte=min_score).count()


def last_scan(user: Any) -> DuplicateScan | None:
    """The last scan that finished, or None before the first one."""
    _require(user, "customers.merge")
    return DuplicateScan.objects.exclude(finished_at=None).order_by("-id").first()


def pair_for_user(user: Any, pair_id: int) -> DuplicatePair:
    """One pair, open or dismissed (dismissing twice changes nothing); DoesNotExist else."""
    _require(user, "customers.merge")
    return DuplicatePair.objects.get(pk=pair_id)
