"""Importing customers from CSV (with a column mapping and a dry run) and vCard 3.0/4.0.

Every row is imported whole or not at all (a savepoint per row) and the report says, row by
row, what happened and why. Rows whose identifiers belong to an existing customer are
skipped or merged into that customer (missing identifiers and empty fields are filled).
A dry run does everything inside a transaction and rolls it back, so its report is exact.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import vobject
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from heartline.customers import identities, services
from heartline.customers.models import Address, Customer, Identity
from heartline.customers.services import IdentityInput, IdentityTaken

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
IDENTITY_FIELDS = {
    "phone": ("phone", ""),
    "phone2": ("phone", ""),
    "email": ("email", ""),
    "email2": ("email", ""),
    "member_no": ("member_no", ""),
    "wechat": ("handle", "wechat"),
}
PROFILE_FIELDS = {"name_cjk", "name_latin", "name_pinyin", "kind", "language"}
OTHER_FIELDS = {"birthday", "address", "city", "postcode", "tags", "note"}
FIELDS = frozenset(IDENTITY_FIELDS) | PROFILE_FIELDS | OTHER_FIELDS


class _DryRun(Exception):
    pass


@dataclass
class RowResult:
    row: int  # 1-based data row (CSV: line after the header)
    status: str  # created, merged, skipped, rejected
    customer_id: int | None = None
    reason: str = ""


@dataclass
class ImportReport:
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def summary(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("created", "merged", "skipped", "rejected")}


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def parse_birthday(text: str) -> tuple[int | None, int, int]:
    """'1990-05-04', '05-04', '--0504' (vCard), '19900504' → (year or None, month, day)."""
    text = text.strip()
    match = re.fullmatch(r"(?:(\d{4})-?)?(?:--)?(\d{2})-?(\d{2})", text)
    if not match:
        raise ValidationError(
            _("Birthday “%(v)s” is not a date like 1990-05-04 or 05-04.") % {"v": text}
        )
    year = int(match.group(1)) if match.group(1) else None
    month, day = int(match.group(2)), int(match.group(3))
    try:
        datetime.date(year or 2000, month, day)
    except ValueError as exc:
        raise ValidationError(_("Birthday “%(v)s” does not exist.") % {"v": text}) from exc
    return year, month, day


def _identities_of(record: dict[str, str]) -> list[IdentityInput]:
    items = []
    for name, (kind, provider) in IDENTITY_FIELDS.items():
        for value in filter(None, (v.strip() for v in record.get(name, "").split("|"))):
            items.append(IdentityInput(kind, value, provider))
    return items


def _existing_owner(items: list[IdentityInput]) -> Customer | None:
    for item in items:
        try:
            value = identities.normalise(item.kind, item.value)
        except ValidationError:
            continue
        hit = Identity.objects.filter(kind=item.kind, provider=item.provider, value=value).first()
        if hit is not None:
            return Customer.objects.get(pk=hit.customer_id)
    return None


def _extras(actor: Any, customer: Customer, record: dict[str, str]) -> None:
    if record.get("birthday", "").strip():
        year, month, day = parse_birthday(record["birthday"])
        services.moment_set(
            actor=actor, customer=customer, kind="birthday", month=month, day=day, year=year
        )
    if record.get("address", "").strip():
        Address.objects.create(
            customer=customer,
            text=record["address"].strip()[:300],
            city=record.get("city", "").strip()[:100],
            postcode=record.get("postcode", "").strip()[:20],
        )
    if record.get("note", "").strip():
        services.note_add(actor=actor, customer=customer, text=record["note"])


def _profile_of(record: dict[str, str]) -> dict[str, Any]:
    profile: dict[str, Any] = {
        k: record[k].strip() for k in PROFILE_FIELDS if record.get(k, "").strip()
    }
    if record.get("tags", "").strip():
        profile["tags"] = [t for t in re.split(r"[;,，；]", record["tags"]) if t.strip()]
    return profile


def _import_one(actor: Any, number: int, record: dict[str, str], on_duplicate: str) -> RowResult:
    items = _identities_of(record)
    existing = _existing_owner(items)
    if existing is not None and on_duplicate == "skip":
        return RowResult(
            number, "skipped", existing.pk, _("matches customer #%(id)s") % {"id": existing.pk}
        )
    with transaction.atomic():
        if existing is None:
            customer = services.customer_create(
                actor=actor, identities_in=items, source="import", **_profile_of(record)
            )
            status = "created"
        else:
            customer = existing
            for item in items:
                services.identity_add(actor=actor, customer=customer, item=item)
            fill = {k: v for k, v in _profile_of(record).items() if not getattr(customer, k)}
            if fill:
                customer = services.customer_update(actor=actor, customer=customer, **fill)
            status = "merged"
        _extras(actor, customer, record)
    return RowResult(number, status, customer.pk)


def import_records(
    *, actor: Any, records: Iterable[dict[str, str]], dry_run: bool, on_duplicate: str = "skip"
) -> ImportReport:
    """Import mapped records (field name → text). See the module docstring."""
    if actor is not None and not actor.has_perm("customers.import"):
        raise PermissionDenied("customers.import")
    if on_duplicate not in ("skip", "merge"):
        raise ValidationError({"on_duplicate": [_("Choose skip or merge.")]})
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            for number, record in enumerate(records, start=1):
                if number > MAX_ROWS:
                    report.results.append(RowResult(number, "rejected", None, _("Too many rows.")))
                    break
                try:
                    report.results.append(_import_one(actor, number, record, on_duplicate))
                except IdentityTaken as exc:
                    report.results.append(RowResult(number, "rejected", None, exc.messages[0]))
                except ValidationError as exc:
                    report.results.append(RowResult(number, "rejected", None, _messages(exc)))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def csv_records(data: bytes, mapping: dict[str, str]) -> Iterator[dict[str, str]]:
    """Rows of a CSV file (UTF-8 with or without BOM, or GB18030), mapped column → field."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."))
    unknown = set(mapping.values()) - FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields in the mapping: %s") % ", ".join(sorted(unknown)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("The file is neither UTF-8 nor GB18030 text.")) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = set(mapping) - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(_("The file has no column(s): %s") % ", ".join(sorted(missing)))
    for row in reader:
        yield {field_name: (row.get(column) or "") for column, field_name in mapping.items()}


def _vcard_tel(value: str) -> str:
    return value[4:] if value.lower().startswith("tel:") else value


def vcard_records(data: bytes) -> Iterator[dict[str, str]]:
    """Records of a vCard 3.0 or 4.0 file (one or many cards)."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."))
    try:
        text = data.decode("utf-8-sig")
        cards = list(vobject.readComponents(text, ignoreUnreadable=True))
    except (UnicodeDecodeError, vobject.base.ParseError) as exc:
        raise ValidationError(_("This is not a readable vCard file: %s") % exc) from exc
    for card in cards:
        contents = card.contents
        name = str(card.fn.value).strip() if "fn" in contents else ""
        record = {
            "phone": "|".join(_vcard_tel(str(t.value)) for t in contents.get("tel", [])),
            "email": "|".join(str(e.value) for e in contents.get("email", [])),
            "birthday": str(card.bday.value) if "bday" in contents else "",
            "note": str(card.note.value) if "note" in contents else "",
        }
        from heartline.customers.names import has_cjk

        record["name_cjk" if has_cjk(name) else "name_latin"] = name
        if "org" in contents and not name:
            record["name_latin"] = " ".join(str(v) for v in card.org.value)
            record["kind"] = "organisation"
        if "adr" in contents:
            adr = card.adr.value
            record["address"] = " ".join(p for p in (adr.street, adr.city) if p)
            record["city"], record["postcode"] = str(adr.city), str(adr.code)
        yield record
