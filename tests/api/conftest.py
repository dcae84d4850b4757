"""Fixtures of the API tests: tokens and a client that sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from heartline.accounts import services as accounts
from heartline.accounts.models import ApiToken, User
from heartline.core.models import AuditEntry, OutboxEvent


@pytest.fixture
def token_for(db) -> Callable[[User], str]:  # type: ignore[no-untyped-def]
    """A new API token (the secret) of ``user``."""

    def make(user: User, name: str = "tests") -> str:
        return accounts.api_token_create(actor=None, user=user, name=name)[1]

    return make


@pytest.fixture
def api_client(token_for) -> Callable[[User], Client]:  # type: ignore[no-untyped-def]
    """A client that authenticates every request with a fresh token of ``user``."""

    def make(user: User) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")

    return make


def row_counts() -> dict[str, int]:
    return {
        "audit": AuditEntry.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "tokens": ApiToken.objects.count(),
        "users": User.objects.count(),
    }


def error(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON of an error answer."""
    return {"error": {"code": code, "message": message, "details": details}}
