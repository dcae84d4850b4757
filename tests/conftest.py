"""Shared fixtures: staff in every role, API clients, fast password hashing for tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from heartline.accounts import services as accounts
from heartline.accounts.models import User
from heartline.core.permissions import Role

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_staff(db) -> Callable[..., User]:  # type: ignore[no-untyped-def]
    def make(role: str = Role.AGENT, username: str | None = None, **extra: object) -> User:
        return accounts.staff_create(
            actor=None,
            username=username or f"{role}-{User.objects.count() + 1}",
            password=PASSWORD,
            role=role,
            **extra,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture
def staff_by_role(make_staff) -> dict[str, User]:  # type: ignore[no-untyped-def]
    return {role.value: make_staff(role, username=role.value) for role in Role}


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make
