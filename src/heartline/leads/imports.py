"""Importing leads from CSV, the customer import's way (``customers/imports.py``): a column
mapping, a dry run whose report is exact (everything runs, then is rolled back), a savepoint
per row, and a row-by-row report. Each row goes through ``lead_capture`` — the same checks as
every other channel — with ``source="import"``; a ``source_ref`` column makes re-imports
idempotent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from heartline.customers.models import ConsentEvent
from heartline.leads.capture import lead_capture
from heartline.leads.contact import ConsentDecision, LeadInput

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
TEXT_FIELDS = (
    "name",
    "name_cjk",
    "name_latin",
    "name_pinyin",
    "organisation",
    "phone",
    "email",
    "wechat",
    "language",
    "territory",
    "message",
    "source_ref",
)
CONSENT_FIELDS = tuple(f"consent_{p}" for p in ConsentEvent.Purpose.values)
FIELDS = frozenset(TEXT_FIELDS) | frozenset(CONSENT_FIELDS)
YES = frozenset({"1", "y", "yes", "true", "x", "是", "同意", "✓"})
NO = frozenset({"0", "n", "no", "false", "否", "不同意"})


class _DryRun(Exception):
    pass


@dataclass
class RowResult:
    row: int
    status: str  # created, added, repeat, rejected
    lead_id: int | None = None
    reason: str = ""


@dataclass
class ImportReport:
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        statuses = ("created", "added", "repeat", "rejected")
        return {s: sum(1 for r in self.results if r.status == s) for s in statuses}


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def _consents(record: dict[str, str], evidence: str) -> tuple[ConsentDecision, ...]:
    decisions = []
    for name in CONSENT_FIELDS:
        if name not in record:
            continue
        raw = record[name].strip().lower()
        if not raw:  # an empty cell: not asked, no decision
            continue
        if raw not in YES and raw not in NO:
            raise ValidationError(
                {name: [_("Write yes or no (or 1/0, 是/否), not “%(v)s”.") % {"v": raw[:20]}]}
            )
        decisions.append(ConsentDecision(name.removeprefix("consent_"), raw in YES, evidence))
    return tuple(decisions)


def lead_input_of(record: dict[str, str], evidence: str) -> LeadInput:
    text = {k: record.get(k, "") for k in TEXT_FIELDS if k not in ("wechat", "source_ref")}
    handle = record.get("wechat", "")
    return LeadInput(
        **text,
        handle=handle,
        handle_provider="wechat" if handle.strip() else "",
        consents=_consents(record, evidence),
    )


def _import_one(actor: Any, number: int, record: dict[str, str], evidence: str) -> RowResult:
    result = lead_capture(
        actor=actor,
        data=lead_input_of(record, evidence),
        source="import",
        source_ref=record.get("source_ref", "").strip(),
    )
    return RowResult(number, result.outcome, result.lead.pk)


def import_records(
    *, actor: Any, records: Iterable[dict[str, str]], dry_run: bool, evidence: str = "import"
) -> ImportReport:
    """Capture each mapped record (field → text) as a lead; see the module docstring."""
    if actor is not None and not actor.has_perm("leads.manage"):
        raise PermissionDenied("leads.manage")
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            for number, record in enumerate(records, start=1):
                if number > MAX_ROWS:
                    report.results.append(RowResult(number, "rejected", None, _("Too many rows.")))
                    break
                try:
                    with transaction.atomic():
                        report.results.append(_import_one(actor, number, record, evidence))
                except ValidationError as exc:
                    report.results.append(RowResult(number, "rejected", None, _messages(exc)))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("The file is neither UTF-8 nor GB18030 text.")) from exc


def csv_columns(data: bytes) -> list[str]:
    header = next(csv.reader(io.StringIO(decode(data), newline="")), [])
    if not header or len(header) > 100:
        raise ValidationError(_("The first line must name the columns (at most 100)."))
    return header


def csv_records(data: bytes, mapping: dict[str, str]) -> Iterator[dict[str, str]]:
    """Rows of a CSV file (UTF-8 with or without BOM, or GB18030), mapped column → field."""
    unknown = set(mapping.values()) - FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields in the mapping: %s") % ", ".join(sorted(unknown)))
    reader = csv.DictReader(io.StringIO(decode(data), newline=""))
    missing = set(mapping) - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(_("The file has no column(s): %s") % ", ".join(sorted(missing)))
    for row in reader:
        yield {name: (row.get(column) or "") for column, name in mapping.items()}


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """Column → field for columns named like a field ("Phone", "e-mail", "手机", …)."""
    aliases = {
        "姓名": "name",
        "名字": "name",
        "公司": "organisation",
        "company": "organisation",
        "organization": "organisation",
        "手机": "phone",
        "电话": "phone",
        "mobile": "phone",
        "邮箱": "email",
        "e-mail": "email",
        "mail": "email",
        "微信": "wechat",
        "地区": "territory",
        "region": "territory",
        "留言": "message",
        "语言": "language",
    }
    mapping: dict[str, str] = {}
    for column in columns:
        key = column.strip().lower()
        target = key if key in FIELDS else aliases.get(key)
        if target and target not in mapping.values():
            mapping[column] = target
    return mapping
