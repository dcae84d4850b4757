"""Periodic work of the customer memory."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from heartline.customers.duplicates import candidates_of
from heartline.customers.models import Customer, DuplicatePair, DuplicateScan

SCAN_INTERVAL_SECONDS = 3600
SCAN_BATCH = 500


def scan_duplicates_now(*, limit: int | None = None) -> DuplicateScan:
    """Score every customer changed since the last scan began against its candidates and
    keep the pairs (idempotent: a pair is stored once, its score refreshed; dismissed pairs
    stay dismissed). Reasons are stored as their English source text, whatever language is
    active, and translated when shown (``duplicates.reason_label``)."""
    with translation.override(None):
        return _scan(limit)


def _scan(limit: int | None) -> DuplicateScan:
    previous = DuplicateScan.objects.exclude(finished_at=None).order_by("-id").first()
    scan = DuplicateScan.objects.create(started_at=timezone.now())
    changed = Customer.objects.filter(merged_into__isnull=True).order_by("id")
    if previous is not None:
        changed = changed.filter(updated_at__gte=previous.started_at)
    last_id = 0
    while True:
        batch = list(changed.filter(id__gt=last_id)[:SCAN_BATCH])
        if not batch:
            break
        with transaction.atomic():
            for customer in batch:
                for candidate in candidates_of(customer):
                    low, high = sorted((customer.pk, candidate.customer_id))
                    _, created = DuplicatePair.objects.update_or_create(
                        low_id=low,
                        high_id=high,
                        defaults={"score": candidate.score, "reasons": candidate.reasons},
                    )
                    scan.found += int(created)
        scan.scanned += len(batch)
        last_id = batch[-1].pk
        if limit is not None and scan.scanned >= limit:
            break
    scan.finished_at = timezone.now()
    scan.save(update_fields=["finished_at", "scanned", "found"])
    return scan


@task(queue_name="periodic")
def scan_duplicates() -> int:
    return scan_duplicates_now().found
