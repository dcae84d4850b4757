"""Importing deals from CSV, row by row, through the same services as the board and the API.

Columns (a header row, UTF-8 with or without BOM, or GB18030): ``customer`` (a phone number,
an e-mail address, a member number or ``#<customer id>``), ``title``, ``pipeline`` (name in
either language, or id), ``stage`` (name or id; empty: the first stage), ``amount``,
``expected_close`` (YYYY-MM-DD); optional ``currency``, ``owner`` (username),
``lost_reason`` (name, for a lost stage) and ``deal_id``.

A row whose ``deal_id`` names a deal — or whose customer already has an open deal of that title
in that pipeline — updates it (amount, expected close) and moves it to the stage with
:func:`~heartline.sales.services.deal_move`; any other row creates a deal with
:func:`~heartline.sales.services.deal_create`. Either way the pipeline's rules apply exactly as
on the board. Each row is written whole or not at all (a savepoint per row); the report says,
row by row, what happened and why. A dry run does everything and rolls it back.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from heartline.customers.models import Customer
from heartline.customers.selectors import customer_for_user, customer_id_by_identifier
from heartline.sales import services
from heartline.sales.models import Deal, LostReason, Pipeline, Stage

MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
REQUIRED_COLUMNS = ("customer", "title", "pipeline")
COLUMNS = frozenset(
    {
        *REQUIRED_COLUMNS,
        "stage",
        "amount",
        "expected_close",
        "currency",
        "owner",
        "lost_reason",
        "deal_id",
    }
)


class _DryRun(Exception):
    pass


@dataclass
class RowResult:
    row: int  # 1-based data row (the line after the header is 1)
    status: str  # created, moved, updated, rejected
    deal_id: int | None = None
    reason: str = ""


@dataclass
class ImportReport:
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        statuses = ("created", "moved", "updated", "rejected")
        return {s: sum(1 for r in self.results if r.status == s) for s in statuses}


def messages_of(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def customer_by_reference(user: Any, text: str) -> Customer:
    """The customer named by ``#<id>``, a phone number, an e-mail address or a member number."""
    text = text.strip()
    if not text:
        raise ValidationError({"customer": [_("Name the customer.")]})
    if text.startswith("#") and text[1:].isdigit():
        try:
            return customer_for_user(user, int(text[1:]))
        except Customer.DoesNotExist as exc:
            raise ValidationError(
                {"customer": [_("There is no customer %(ref)s.") % {"ref": text}]}
            ) from exc
    kinds = ["email"] if "@" in text else ["phone", "member_no"]
    for kind in kinds:
        try:
            found = customer_id_by_identifier(user, kind=kind, raw=text)
        except ValidationError:
            continue
        if found is not None:
            return customer_for_user(user, found)
    raise ValidationError(
        {"customer": [_("No customer has the identifier %(ref)s.") % {"ref": text[:100]}]}
    )


def _pipeline(text: str) -> Pipeline:
    text = text.strip()
    rows = Pipeline.objects.filter(active=True)
    match = rows.filter(
        Q(name_en__iexact=text) | Q(name_zh=text) | (Q(pk=int(text)) if text.isdigit() else Q())
    ).first()
    if match is None:
        raise ValidationError(
            {"pipeline": [_("There is no pipeline “%(p)s”.") % {"p": text[:100]}]}
        )
    return match


def _stage(pipeline: Pipeline, text: str) -> Stage | None:
    text = text.strip()
    if not text:
        return None
    by_id = Q(pk=int(text)) if text.isdigit() else Q()
    match = pipeline.stages.filter(Q(name_en__iexact=text) | Q(name_zh=text) | by_id).first()
    if match is None:
        raise ValidationError(
            {
                "stage": [
                    _("The pipeline %(p)s has no stage “%(s)s”.") % {"p": pipeline, "s": text[:100]}
                ]
            }
        )
    return match


def _date(text: str) -> datetime.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(
            {"expected_close": [_("“%(v)s” is not a date like 2027-01-31.") % {"v": text[:20]}]}
        ) from exc


def _owner(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    owner = get_user_model().objects.filter(username=text, is_active=True).first()
    if owner is None:
        raise ValidationError(
            {"owner": [_("No active staff member is called %(u)s.") % {"u": text}]}
        )
    return owner


def _lost_reason(text: str) -> LostReason | None:
    text = text.strip()
    if not text:
        return None
    match = LostReason.objects.filter(
        Q(name_en__iexact=text) | Q(name_zh=text), active=True
    ).first()
    if match is None:
        raise ValidationError(
            {"lost_reason": [_("There is no lost reason “%(r)s”.") % {"r": text[:100]}]}
        )
    return match


def _existing(
    actor: Any, record: dict[str, str], customer: Customer, pipeline: Pipeline
) -> Deal | None:
    deal_id = record.get("deal_id", "").strip()
    if deal_id:
        deal = Deal.objects.filter(pk=int(deal_id) if deal_id.isdigit() else 0).first()
        if deal is None or deal.customer_id != customer.pk or deal.pipeline_id != pipeline.pk:
            raise ValidationError(
                {
                    "deal_id": [
                        _("There is no deal %(id)s of this customer in this pipeline.")
                        % {"id": deal_id[:20]}
                    ]
                }
            )
        return deal
    return (
        Deal.objects.filter(
            customer=customer,
            pipeline=pipeline,
            title=record.get("title", "").strip(),
            status=Deal.Status.OPEN,
        )
        .order_by("-id")
        .first()
    )


def _import_row(actor: Any, record: dict[str, str]) -> RowResult:
    customer = customer_by_reference(actor, record.get("customer", ""))
    pipeline = _pipeline(record.get("pipeline", ""))
    target = _stage(pipeline, record.get("stage", ""))
    expected = _date(record.get("expected_close", ""))
    amount = record.get("amount", "").strip().replace(",", "") or None
    reason = _lost_reason(record.get("lost_reason", ""))
    existing = _existing(actor, record, customer, pipeline)
    if existing is None:
        deal = services.deal_create(
            actor=actor,
            customer=customer,
            title=record.get("title", ""),
            pipeline=pipeline,
            stage=target,
            amount=amount,
            currency=record.get("currency", "").strip() or None,
            expected_close=expected,
            owner=_owner(record.get("owner", "")) if record.get("owner", "").strip() else actor,
            source="import",
            via="import",
            lost_reason=reason,
        )
        return RowResult(0, "created", deal.pk)
    changes: dict[str, Any] = {}
    if amount is not None:
        changes["amount"] = amount
    if expected is not None:
        changes["expected_close"] = expected
    if record.get("owner", "").strip():
        changes["owner"] = _owner(record["owner"])
    if changes:
        existing = services.deal_update(actor=actor, deal=existing, **changes)
    if target is not None and target.pk != existing.stage_id:
        services.deal_move(
            actor=actor, deal=existing, to_stage=target, via="import", lost_reason=reason
        )
        return RowResult(0, "moved", existing.pk)
    return RowResult(0, "updated", existing.pk)


def deal_import(*, actor: Any, records: Iterable[dict[str, str]], dry_run: bool) -> ImportReport:
    """Import rows (column → text); see the module docstring."""
    if actor is not None and not actor.has_perm("deals.edit"):
        raise PermissionDenied("deals.edit")
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            for number, record in enumerate(records, start=1):
                if number > MAX_ROWS:
                    report.results.append(RowResult(number, "rejected", None, _("Too many rows.")))
                    break
                try:
                    with transaction.atomic():
                        result = _import_row(actor, record)
                except ValidationError as exc:
                    report.results.append(RowResult(number, "rejected", None, messages_of(exc)))
                else:
                    result.row = number
                    report.results.append(result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def csv_records(data: bytes) -> list[dict[str, str]]:
    """The rows of a CSV file as column → text (see the module docstring for the columns);
    a ValidationError for the whole file when it cannot be read or lacks a column."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("The file is neither UTF-8 nor GB18030 text.")) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValidationError(
            _("The file has no column(s): %(missing)s. Expected: %(all)s.")
            % {"missing": ", ".join(missing), "all": ", ".join(sorted(COLUMNS))}
        )
    return [
        {(k or "").strip().lower(): v.strip() if isinstance(v, str) else "" for k, v in row.items()}
        for row in itertools.islice(reader, MAX_ROWS + 1)
    ]
