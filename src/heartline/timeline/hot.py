"""The customer 360's reads as parameterised SQL: the hot path of every contact.

The ORM spends about 0.4 ms compiling each query; the 360 needs nine, on every screen pop.
Here they are written once, with placeholders only (no SQL built from input), run on one
cursor, and their rows turned into the same plain values the ORM would give on either
database (SQLite hands back naive UTC datetimes and JSON as text; PostgreSQL does not).
``tests/timeline/test_hot.py`` checks that this module and the ORM agree row for row.

Other apps add sections to the 360 the same way: a ``Section`` (one parameterised, indexed,
bounded query and a function shaping its rows) registered in ``selectors.SECTIONS`` runs on
this cursor after the nine reads (``tests/timeline/test_sections.py`` checks each against the
ORM).
"""

from __future__ import annotations

import datetime
import decimal as _decimal
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

RECENT = 10

CUSTOMER = (
    "SELECT id, kind, name_cjk, name_pinyin, name_latin, language, tags, preferences, created_at"
    " FROM customers_customer WHERE id = %s AND merged_into_id IS NULL"
)
IDENTITIES = (
    "SELECT id, kind, provider, value, label, verified FROM customers_identity"
    " WHERE customer_id = %s ORDER BY kind, id"
)
MOMENTS = (
    "SELECT id, kind, label, month, day, year FROM customers_moment"
    " WHERE customer_id = %s ORDER BY month, day"
)
ADDRESSES = (
    "SELECT id, label, text, city, postcode, country FROM customers_address"
    " WHERE customer_id = %s ORDER BY id"
)
NOTES = (
    "SELECT n.id, n.text, n.pinned, n.created_at, u.username FROM customers_note n"
    " LEFT JOIN accounts_user u ON u.id = n.author_id WHERE n.customer_id = %s"
    " ORDER BY n.pinned DESC, n.id DESC LIMIT 20"
)
RELATIONS = (
    "SELECT r.id, r.kind, 'out', o.id, o.name_cjk, o.name_latin, o.name_pinyin"
    " FROM customers_relation r JOIN customers_customer o"
    " ON o.id = r.other_id AND o.merged_into_id IS NULL WHERE r.customer_id = %s"
    " UNION ALL"
    " SELECT r.id, r.kind, 'in', o.id, o.name_cjk, o.name_latin, o.name_pinyin"
    " FROM customers_relation r JOIN customers_customer o"
    " ON o.id = r.customer_id AND o.merged_into_id IS NULL WHERE r.other_id = %s"
    " ORDER BY 1"
)
CONSENT = (
    "SELECT purpose, granted, source, at FROM customers_consentevent"
    " WHERE customer_id = %s ORDER BY id DESC"
)
RECENT_ROWS = (
    "SELECT i.id, i.channel, i.direction, i.occurred_at, i.topic, i.summary, i.outcome,"
    " i.sentiment, i.follow_up, i.follow_up_due, i.closes_id, i.staff_id, u.username,"
    " u.display_name, i.link_type, i.link_id FROM timeline_interaction i"
    " LEFT JOIN accounts_user u ON u.id = i.staff_id WHERE i.customer_id = %s"
    " ORDER BY i.occurred_at DESC, i.id DESC LIMIT %s"
)
OPEN_FOLLOW_UPS = (
    "SELECT i.id, i.follow_up, i.follow_up_due, i.channel, i.occurred_at"
    " FROM timeline_interaction i WHERE i.customer_id = %s AND i.follow_up <> ''"
    " AND NOT EXISTS (SELECT 1 FROM timeline_interaction c WHERE c.closes_id = i.id)"
    " ORDER BY i.follow_up_due, i.id LIMIT 10"
)
RECENT_FIELDS = (
    "id",
    "channel",
    "direction",
    "occurred_at",
    "topic",
    "summary",
    "outcome",
    "sentiment",
    "follow_up",
    "follow_up_due",
    "closes_id",
    "staff_id",
    "staff__username",
    "staff__display_name",
    "link_type",
    "link_id",
)


def aware(value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        return timezone.make_aware(value, datetime.UTC)
    return value


def day(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def from_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


# SQLite keeps 15 significant digits; the ORM rounds away float noise the same way.
_FROM_FLOAT = _decimal.Context(prec=15).create_decimal_from_float


def decimal(value: Any, places: int) -> _decimal.Decimal | None:
    """A DecimalField's value as the ORM gives it: PostgreSQL's numeric as it comes, SQLite's
    number rounded to the field's ``places`` (8800 -> Decimal("8800.0000") for 4)."""
    if value is None or isinstance(value, _decimal.Decimal):
        return value
    return _FROM_FLOAT(value).quantize(_decimal.Decimal(1).scaleb(-places))


Rows = list[tuple[Any, ...]]
_LIMIT = re.compile(r"\bLIMIT\b", re.IGNORECASE)


@dataclass(frozen=True)
class Section:
    """A section another app adds to the 360 (``selectors.SECTIONS[name] = Section(...)``):
    ``sql`` is one query with placeholders only, indexed on the customer and bounded by a
    ``LIMIT``; ``params(customer_id)`` gives its parameters and ``shape(rows)`` turns the
    rows into the section's value (plain values, the same on both databases: see ``aware``,
    ``day``, ``decimal``); ``permission`` names who may see it. The 360 runs every section
    on the cursor of its nine reads, so a section costs one round trip and no ORM compile.
    Called alone, a section opens a cursor."""

    sql: str
    params: Callable[[int], Sequence[Any]]
    shape: Callable[[Rows], Any]
    # Who may see it: the 360 leaves the section out (and skips its query) for anyone else.
    permission: str = ""

    def __post_init__(self) -> None:
        if not _LIMIT.search(self.sql):
            raise ValueError("A 360 section must be bounded by a LIMIT.")

    def run(self, cursor: Any, customer_id: int) -> Any:
        cursor.execute(self.sql, list(self.params(customer_id)))
        return self.shape(cursor.fetchall())

    def __call__(self, customer_id: int) -> Any:
        with connection.cursor() as cursor:
            return self.run(cursor, customer_id)


def _rows(
    cursor: Any, sql: str, params: list[Any], fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    cursor.execute(sql, params)
    return [dict(zip(fields, row, strict=True)) for row in cursor.fetchall()]


def fetch(
    customer_id: int, *, recent: int = RECENT, sections: Mapping[str, Section] | None = None
) -> dict[str, Any] | None:
    """Everything the 360 reads, or None for no such (or merged-away) customer; then each of
    ``sections`` on the same cursor (under ``"sections"``, in their order)."""
    with connection.cursor() as cur:
        cur.execute(CUSTOMER, [customer_id])
        row = cur.fetchone()
        if row is None:
            return None
        customer = dict(
            zip(
                (
                    "id",
                    "kind",
                    "name_cjk",
                    "name_pinyin",
                    "name_latin",
                    "language",
                    "tags",
                    "preferences",
                    "created_at",
                ),
                row,
                strict=True,
            )
        )
        customer["tags"] = from_json(customer["tags"])
        customer["preferences"] = from_json(customer["preferences"])
        customer["created_at"] = aware(customer["created_at"])
        identities = _rows(
            cur, IDENTITIES, [customer_id], ("id", "kind", "provider", "value", "label", "verified")
        )
        for ident in identities:
            ident["verified"] = bool(ident["verified"])
        moments = _rows(
            cur, MOMENTS, [customer_id], ("id", "kind", "label", "month", "day", "year")
        )
        addresses = _rows(
            cur, ADDRESSES, [customer_id], ("id", "label", "text", "city", "postcode", "country")
        )
        notes = _rows(
            cur, NOTES, [customer_id], ("id", "text", "pinned", "created_at", "author__username")
        )
        for note in notes:
            note["pinned"], note["created_at"] = bool(note["pinned"]), aware(note["created_at"])
        relations = _rows(
            cur,
            RELATIONS,
            [customer_id, customer_id],
            ("id", "kind", "direction", "other_id", "name_cjk", "name_latin", "name_pinyin"),
        )
        consent: dict[str, dict[str, Any]] = {}
        cur.execute(CONSENT, [customer_id])
        for purpose, granted, source, at in cur.fetchall():
            consent.setdefault(
                purpose, {"granted": bool(granted), "source": source, "at": aware(at)}
            )
        recent_rows = _rows(cur, RECENT_ROWS, [customer_id, recent], RECENT_FIELDS)
        for r in recent_rows:
            r["occurred_at"], r["follow_up_due"] = aware(r["occurred_at"]), day(r["follow_up_due"])
        follow_ups = _rows(
            cur,
            OPEN_FOLLOW_UPS,
            [customer_id],
            ("id", "follow_up", "follow_up_due", "channel", "occurred_at"),
        )
        for f in follow_ups:
            f["occurred_at"], f["follow_up_due"] = aware(f["occurred_at"]), day(f["follow_up_due"])
        extra = {name: s.run(cur, customer_id) for name, s in (sections or {}).items()}
    return {
        "customer": customer,
        "identities": identities,
        "moments": moments,
        "addresses": addresses,
        "notes": notes,
        "relations": relations,
        "consent": consent,
        "recent": recent_rows,
        "open_follow_ups": follow_ups,
        "sections": extra,
    }
