"""Run a piece of work at most once, keyed, in one transaction with its effects."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

from heartline.core.models import ProcessedKey

T = TypeVar("T")


def once(key: str, work: Callable[[], T]) -> tuple[bool, T | None]:
    """Run ``work`` unless ``key`` was already done. Returns ``(ran, result)``.

    The key and the work's writes commit together, so a worker killed half-way leaves neither,
    and the retry runs the work again from the start.
    """
    with transaction.atomic():
        if ProcessedKey.objects.filter(key=key).exists():
            return False, None
        try:
            with transaction.atomic():
                ProcessedKey.objects.create(key=key)
        except IntegrityError:
            return False, None
        return True, work()
