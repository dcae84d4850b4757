"""Exporting a selection of customers as vCard (3.0 or 4.0) or CSV; every export is audited."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

import vobject
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from heartline.core.context import current
from heartline.core.models import AuditEntry
from heartline.customers.models import Address, Customer, Identity, Moment

MAX_EXPORT = 10_000
CSV_COLUMNS = (
    "id",
    "kind",
    "name_cjk",
    "name_pinyin",
    "name_latin",
    "phones",
    "emails",
    "member_nos",
    "birthday",
    "address",
    "city",
    "tags",
)


def _load(ids: list[int]) -> tuple[list[Customer], dict[int, dict[str, Any]]]:
    customers = list(Customer.objects.filter(pk__in=ids, merged_into__isnull=True).order_by("id"))
    extra: dict[int, dict[str, Any]] = defaultdict(lambda: defaultdict(list))
    for cid, kind, value in Identity.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "kind", "value"
    ):
        extra[cid][kind].append(value)
    for cid, y, m, d in Moment.objects.filter(customer_id__in=ids, kind="birthday").values_list(
        "customer_id", "year", "month", "day"
    ):
        extra[cid]["birthday"] = f"{y:04d}-{m:02d}-{d:02d}" if y else f"--{m:02d}{d:02d}"
    for cid, text, city, code in Address.objects.filter(customer_id__in=ids).values_list(
        "customer_id", "text", "city", "postcode"
    ):
        extra[cid]["address"].append((text, city, code))
    return customers, extra


@transaction.atomic
def _audit_export(actor: Any, customers: list[Customer], fmt: str) -> None:
    ctx = current()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=actor,
            actor_label=actor.get_username(),
            channel=ctx.channel,
            action="view",
            object_type="customers.customer",
            object_id=str(c.pk),
            object_label=c.display_name[:200],
            changes={"fields": ["export"], "format": fmt},
            request_id=ctx.request_id,
            ip=ctx.ip,
        )
        for c in customers
    )


def _check(actor: Any, ids: list[int]) -> None:
    if not actor.has_perm("customers.export"):
        raise PermissionDenied("customers.export")
    if len(ids) > MAX_EXPORT:
        raise ValidationError(f"Export at most {MAX_EXPORT} customers at a time.")


def export_vcard(*, actor: Any, ids: list[int], version: str = "4.0") -> str:
    _check(actor, ids)
    if version not in ("3.0", "4.0"):
        raise ValidationError("vCard version is 3.0 or 4.0.")
    customers, extra = _load(ids)
    out = []
    for c in customers:
        card = vobject.vCard()
        card.add("version").value = version
        card.add("fn").value = c.display_name
        if c.kind == Customer.Kind.ORGANISATION:
            card.add("org").value = [c.display_name]
            card.add("n").value = vobject.vcard.Name()
        else:
            surname, _, given = (c.name_latin or c.name_cjk).rpartition(" ")
            card.add("n").value = vobject.vcard.Name(
                family=surname or given, given=given if surname else ""
            )
        for phone in extra[c.pk]["phone"]:
            tel = card.add("tel")
            tel.value = f"tel:{phone}" if version == "4.0" else phone
            if version == "4.0":
                tel.params["VALUE"] = ["uri"]
        for email in extra[c.pk]["email"]:
            card.add("email").value = email
        if extra[c.pk].get("birthday"):
            card.add("bday").value = extra[c.pk]["birthday"]
        for text, city, code in extra[c.pk]["address"]:
            card.add("adr").value = vobject.vcard.Address(street=text, city=city, code=code)
        card.add("uid").value = f"urn:heartline:customer:{c.pk}"
        out.append(card.serialize())
    _audit_export(actor, customers, f"vcard{version}")
    return "".join(out)


def _safe_cell(column: str, value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection) in free text; phones are E.164 (+…)."""
    if (
        column != "phones"
        and isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@", "\t", "\r")
    ):
        return f"'{value}"
    return value


def export_csv(*, actor: Any, ids: list[int]) -> str:
    _check(actor, ids)
    customers, extra = _load(ids)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for c in customers:
        first_address = (extra[c.pk]["address"] or [("", "", "")])[0]
        row = [
            c.pk,
            c.kind,
            c.name_cjk,
            c.name_pinyin,
            c.name_latin,
            "|".join(extra[c.pk]["phone"]),
            "|".join(extra[c.pk]["email"]),
            "|".join(extra[c.pk]["member_no"]),
            extra[c.pk].get("birthday", ""),
            first_address[0],
            first_address[1],
            ";".join(c.tags),
        ]
        writer.writerow([_safe_cell(CSV_COLUMNS[i], v) for i, v in enumerate(row)])
    _audit_export(actor, customers, "csv")
    return buffer.getvalue()
