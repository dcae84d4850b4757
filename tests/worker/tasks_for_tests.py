"""Tasks used by tests/worker only (importable by a worker subprocess: PYTHONPATH has the repo)."""

from __future__ import annotations

import time

from django.utils import timezone
from django_tasks import task

from heartline.core.idempotency import once
from heartline.core.models import OutboxEvent, ProcessedKey

EFFECT_TYPE = "test.effect"


class Flaky(Exception):
    pass


class Boom(Exception):
    pass


@task()
def record_then_sleep(key: str, seconds: float) -> bool:
    """The effect (one outbox row) happens at most once per key, however often this runs;
    the first run then sleeps, long enough to be killed."""
    ran, _ = once(
        f"effect:{key}",
        lambda: OutboxEvent.objects.create(
            type=EFFECT_TYPE, payload={"key": key}, pushed_at=timezone.now()
        ),
    )
    if ran:
        time.sleep(seconds)
    return ran


@task()
def fail_times(key: str, failures: int) -> int:
    """Raises on the first ``failures`` attempts, then returns the attempt number."""
    attempt = ProcessedKey.objects.filter(key__startswith=f"try:{key}:").count() + 1
    ProcessedKey.objects.create(key=f"try:{key}:{attempt}")
    if attempt <= failures:
        raise Flaky(f"attempt {attempt}")
    return attempt


@task()
def always_fail() -> None:
    raise Boom("always")
