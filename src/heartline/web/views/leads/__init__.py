"""Pages of the leads area."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

T = TypeVar("T")


def or_404(fetch: Callable[[], T]) -> T:
    """``fetch()``, with "no such object" answered as 404."""
    try:
        return fetch()
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
