"""Every API operation × every role × anonymous: declared permission enforced, nothing changed.

The operations come from the OpenAPI document, so a new operation is covered as soon as it
exists; one that does not declare ``x-heartline-permission`` fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from heartline.core.api import PERMISSION_KEY, SIGNED_IN
from heartline.core.permissions import PERMISSIONS, Role, role_has
from tests.api.conftest import row_counts

pytestmark = pytest.mark.django_db


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = Client().get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def _call(client: Client, method: str, path: str) -> Any:
    url = re.sub(r"\{[^}]+\}", "987654321", path)  # nobody's object: no side effects
    return client.generic(method, url, b"{}", content_type="application/json")


def test_there_are_operations_and_each_declares_a_known_permission():
    operations = _operations()
    assert len(operations) >= 8
    for method, path, operation in operations:
        code = operation.get(PERMISSION_KEY)
        assert code is not None, f"{method} {path} declares no x-heartline-permission"
        assert code == SIGNED_IN or code in PERMISSIONS, f"{method} {path}: unknown {code!r}"


def test_anonymous_gets_401_on_every_operation():
    for method, path, _operation in _operations():
        before = row_counts()
        response = _call(Client(enforce_csrf_checks=True), method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not_authenticated"
        assert row_counts() == before, (method, path)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_gets_exactly_what_its_permissions_allow(make_staff, token_for, role):
    user = make_staff(role, username=f"user-{role}")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    for method, path, operation in _operations():
        code = operation[PERMISSION_KEY]
        allowed = code == SIGNED_IN or role_has(role, code)
        before = row_counts()
        response = _call(client, method, path)
        if allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.json())
        else:
            assert response.status_code == 403, (role, method, path)
            assert response.json()["error"]["code"] == "permission_denied"
            assert row_counts() == before, (role, method, path)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_session_auth_enforces_the_same_permissions(make_staff, client_for, role):
    client = client_for(make_staff(role, username=f"user-{role}"))
    for method, path, operation in _operations():
        if method != "GET":
            continue
        code = operation[PERMISSION_KEY]
        allowed = code == SIGNED_IN or role_has(role, code)
        response = _call(client, method, path)
        assert (response.status_code == 403) is (not allowed), (role, method, path)


def test_an_operation_without_a_declared_permission_is_refused(make_staff, token_for):
    """Fail closed: the auth classes refuse a request whose operation declared nothing."""
    from ninja import Router

    from heartline.accounts.services import api_token_authenticate
    from heartline.core.api import HeartlineAPI, SessionAuth, TokenAuth

    api = HeartlineAPI(
        urls_namespace="undeclared-test", auth=[TokenAuth(api_token_authenticate), SessionAuth()]
    )
    router = Router()

    @router.get("/open")
    def undeclared(request):  # type: ignore[no-untyped-def]
        return {"ok": True}

    api.add_router("/x", router)
    schema = api.get_openapi_schema(path_prefix="/")
    assert PERMISSION_KEY not in schema["paths"]["/x/open"]["get"]
    from django.test import RequestFactory

    key = token_for(make_staff("admin", username="root"))
    request = RequestFactory().get("/x/open", HTTP_AUTHORIZATION=f"Bearer {key}")
    view = next(p for p in api.urls[0] if str(p.pattern) == "x/open").callback
    response = view(request)
    assert response.status_code == 403
