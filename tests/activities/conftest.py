"""Fixtures of the activities tests: a sales rep, a colleague, a manager, a customer."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from heartline.accounts import services as accounts
from heartline.accounts.models import User
from heartline.activities import services
from heartline.activities.models import Activity
from heartline.customers import services as customers
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime.datetime:
    """A time in Shanghai (the site's zone in these tests)."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture
def token_of(db) -> Callable[[User], str]:  # type: ignore[no-untyped-def]
    """A new API token (the secret) of a user."""

    def make(user: User) -> str:
        return accounts.api_token_create(actor=None, user=user, name="tests")[1]

    return make


@pytest.fixture
def rep(make_staff) -> User:  # type: ignore[no-untyped-def]
    return make_staff(
        "sales", username="rep", email="rep@example.com", display_name="Li Na", language="en"
    )


@pytest.fixture
def colleague(make_staff) -> User:  # type: ignore[no-untyped-def]
    return make_staff("sales", username="colleague", email="colleague@example.com")


@pytest.fixture
def manager(make_staff) -> User:  # type: ignore[no-untyped-def]
    return make_staff("manager", username="boss", email="boss@example.com")


@pytest.fixture
def zhang(db) -> Customer:  # type: ignore[no-untyped-def]
    return customers.customer_create(
        actor=None,
        identities_in=[IdentityInput("phone", "13800138000")],
        name_cjk="张伟",
        name_latin="Wei Zhang",
    )


def plan(actor: User, **fields: Any) -> Activity:
    defaults: dict[str, Any] = {
        "kind": "call",
        "subject": "Call about the order",
        "due_at": at(2030, 5, 6, 10, 0),
    }
    return services.activity_create(actor=actor, **{**defaults, **fields})
