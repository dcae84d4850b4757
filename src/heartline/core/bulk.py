"""Inserting many rows with one statement and no ORM object on the way in.

``bulk_create`` builds a model instance per row and prepares every value of every field in
Python; for the batch writes (imported interactions, their audit entries, outbox rows and task
rows) that costs more than the database's own work. :func:`insert` takes plain rows
(``{attname: value}``), fills what ``Model()`` would fill (defaults, ``auto_now_add``), and
sends them as parameters only — table and column names come from the model's metadata:

* PostgreSQL: one ``INSERT … SELECT … FROM json_populate_recordset(NULL::table, %s)
  RETURNING id`` with the rows as one JSON document: the server converts each value to its
  column's type (an over-long value is an error, as with ``bulk_create``) and keeps JSON
  columns' values as JSON.
* SQLite: multi-row ``INSERT … VALUES (%s, …), … RETURNING id`` under its parameter limit,
  values prepared by their fields as the ORM does.

It returns the saved rows as model instances, in the order given, built the way the ORM builds
rows it reads (``Model.from_db``). It sends no signals, like ``bulk_create``.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

# Columns whose value SQLite takes as it is when it already has this type (what
# ``get_db_prep_save`` would hand back unchanged); any other value goes through the field.
_AS_IS: dict[str, type] = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
    "FloatField": float,
    "BooleanField": bool,
}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return (timezone.make_aware(value) if timezone.is_naive(value) else value).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be sent in a bulk insert")


def _filled(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]]
) -> tuple[list[models.Field[Any, Any]], list[dict[str, Any]]]:
    """Every concrete column but an auto primary key (unless the rows give it: ids taken
    beforehand, e.g. from the sequence), and each row with a value for each."""
    pk = model._meta.pk
    given = [pk is not None and pk.attname in row for row in rows]
    if any(given) and not all(given):
        raise ValueError(f"{model.__name__}: give the primary key in every row or in none")
    fields = [
        f
        for f in model._meta.concrete_fields
        if not isinstance(f, models.AutoField) or (f is pk and all(given))
    ]
    known = {f.attname for f in fields}
    for row in rows:
        unknown = set(row) - known
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
    now = timezone.now()
    constant: dict[str, Any] = {}  # what a missing column takes, the same for every row
    per_row: list[models.Field[Any, Any]] = []  # uuid4, list, …: a new value per row
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constant[f.attname] = now
        elif f.has_default() and callable(f.default):
            per_row.append(f)
        else:
            constant[f.attname] = f.get_default()
    filled = []
    for row in rows:
        full = {**constant, **row}
        for f in per_row:
            if f.attname not in row:
                full[f.attname] = f.get_default()
        filled.append(full)
    return fields, filled


def _sqlite_param(field: models.Field[Any, Any], conn: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    column = field.target_field if isinstance(field, models.ForeignKey) else field
    plain = _AS_IS.get(column.get_internal_type())
    prepare = field.get_db_prep_save

    def to_db(value: Any) -> Any:
        if value is None or type(value) is plain:
            return value
        return prepare(value, conn)

    return to_db


def insert(model: type[M], rows: Sequence[Mapping[str, Any]], *, returning: bool = True) -> list[M]:
    """INSERT ``rows`` (``{attname: value}``; missing columns take their defaults) and return
    them saved, in order — or nothing with ``returning=False`` (rows nobody reads back, such as
    audit entries). JSON columns take JSON values (dicts, lists, strings, numbers). The rows
    may give their primary key (all or none), when it was taken beforehand."""
    if not rows:
        return []
    fields, filled = _filled(model, rows)
    pk = model._meta.pk
    assert pk is not None
    auto_pk = returning and isinstance(pk, models.AutoField) and pk not in fields
    conn = transaction.get_connection()  # the connection itself, not the per-thread proxy
    quote = conn.ops.quote_name
    table = quote(model._meta.db_table)
    column = {f.attname: str(f.column) for f in fields}
    columns = ", ".join(quote(name) for name in column.values())
    tail = f" RETURNING {quote(str(pk.column))}" if auto_pk else ""
    pks: list[Any] = []
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            by_column = filled  # the document's keys name the record's columns
            if any(attname != name for attname, name in column.items()):
                by_column = [{column[k]: v for k, v in row.items()} for row in filled]
            document = json.dumps(by_column, default=_json_value, separators=(",", ":"))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns}"  # noqa: S608 (names only)
                f" FROM json_populate_recordset(NULL::{table}, %s){tail}",
                [document],
            )
            if auto_pk:
                pks = [r[0] for r in cursor.fetchall()]
        else:
            prepare = [_sqlite_param(f, conn) for f in fields]
            limit = conn.features.max_query_params or 999
            per_statement = max(1, limit // len(fields))
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            for start in range(0, len(filled), per_statement):
                chunk = filled[start : start + per_statement]
                params = [
                    to_db(row[f.attname])
                    for row in chunk
                    for f, to_db in zip(fields, prepare, strict=True)
                ]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (placeholders only)
                    + ", ".join([one] * len(chunk))
                    + tail,
                    params,
                )
                if auto_pk:
                    pks += [r[0] for r in cursor.fetchall()]
    if not returning:
        return []
    for row, key in zip(filled, pks, strict=True) if auto_pk else ():
        row[pk.attname] = key
    names = [f.attname for f in model._meta.concrete_fields]  # from_db wants them all, in order
    return [model.from_db(conn.alias, names, [row[n] for n in names]) for row in filled]
