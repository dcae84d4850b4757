"""Errors services raise that the edges (API, pages) turn into answers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The request clashes with what exists (a taken identifier, …): HTTP 409.

    ``details`` says what it clashes with, e.g. ``{"existing_customer_id": 7}``.
    """

    def __init__(self, message: str, *, code: str = "conflict", details: dict[str, Any]) -> None:
        super().__init__(message, code=code)
        self.details = details
