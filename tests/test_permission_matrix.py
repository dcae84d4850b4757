"""The permission matrix, generated from the routes.

Every page route × every role × anonymous: allowed where the role's permissions say so, 403
otherwise, sign-in for anonymous visitors — and the database unchanged after every denial
(GET and POST). A route whose view declares no permission (``heartline.core.access``) fails.
API operations are covered from the OpenAPI document in ``tests/api/test_api_permissions.py``;
websocket routes at the end of this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from heartline.core.access import PUBLIC, declared_permission
from heartline.core.permissions import Role, permissions_for_role

# Routes that are not ours to declare: Django's own, covered by their own tests below.
FOREIGN_PREFIXES = ("admin/", "api/v1/", "i18n/")
SAMPLE_ARGS = {
    "int": "999999",
    "str": "sample",
    "slug": "sample",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "sample",
}


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def sample_path(route: str) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        return SAMPLE_ARGS.get(converter, "sample")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


ROUTES = sorted(
    (route, callback)
    for route, callback in walk(get_resolver().url_patterns)
    if not route.startswith(FOREIGN_PREFIXES)
)


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_every_route_declares_its_permission():
    undeclared = [route for route, callback in ROUTES if declared_permission(callback) is None]
    assert undeclared == [], f"Routes without @requires/@public: {undeclared}"
    assert len(ROUTES) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "callback"), ROUTES, ids=[r for r, _ in ROUTES])
def test_route_against_every_role_and_anonymous(route, callback, staff_by_role, client_for):
    permission = declared_permission(callback)
    path = sample_path(route)
    before = row_counts()

    anonymous = client_for(None)
    for method in ("get", "post"):
        response = getattr(anonymous, method)(path)
        if permission == PUBLIC:  # /readyz may answer 503 (no worker here); never a crash
            assert response.status_code in (200, 302, 400, 403, 404, 405, 503), (method, path)
        else:
            assert response.status_code == 302, (method, path)
            assert response["Location"].startswith("/login/?next=")
    if permission != PUBLIC:
        assert row_counts() == before

    if permission == PUBLIC:
        return
    for role in Role:
        client = client_for(staff_by_role[role.value])
        allowed = permission in permissions_for_role(role.value)
        if allowed:
            response = client.get(path)
            assert response.status_code in (200, 302, 404, 405), (role, path, response.status_code)
        else:
            before = row_counts()
            for method in ("get", "post"):
                response = getattr(client, method)(path, {"name": "x", "id": "1"})
                assert response.status_code == 403, (role, method, path)
            assert row_counts() == before, (role, path)


@pytest.mark.django_db
def test_admin_site_only_for_the_admin_role(staff_by_role, client_for):
    for role in Role:
        response = client_for(staff_by_role[role.value]).get("/admin/")
        expected = 200 if role == Role.ADMIN else 302
        assert response.status_code == expected, role


def test_every_websocket_route_declares_its_permission():
    from heartline.web.routing import websocket_urlpatterns

    undeclared = [
        str(p.pattern)
        for p in websocket_urlpatterns
        if declared_permission(getattr(p.callback, "consumer_class", p.callback)) is None
    ]
    assert undeclared == []
