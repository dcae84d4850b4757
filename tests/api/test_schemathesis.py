"""Schemathesis over the whole OpenAPI document, in process, with token auth.

Every operation gets about 25 generated requests (valid and invalid); the answers must never
be a server error and must match the document (status codes, content types, schemas).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from heartline.accounts import services as accounts
from heartline.accounts.models import ApiToken
from heartline.api import api
from heartline.core.notifications import notification_create


@pytest.fixture
def fuzz_token(db, make_staff) -> Iterator[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """An admin's token (id, secret), and a database the in-process WSGI app can share."""
    # The WSGI handler would close the test's database connection (and its transaction)
    # at the end of every request; the Django test client disconnects this too.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        admin = make_staff("admin", username="root")
        token, key = accounts.api_token_create(actor=None, user=admin, name="schemathesis")
        notification_create(recipient=admin, text="hello")
        yield token.pk, key
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# The document is built from the code (no request, no database at collection time) and the
# requests go to the in-process WSGI application.
def _without_security(document: dict) -> dict:
    """The document minus its security schemes: the test sends a real token itself, so a
    mutated Authorization header or session cookie would be masked and misjudged as
    "invalid data accepted". Refusing missing or bad credentials is tested in test_auth.py."""
    document = copy.deepcopy(document)
    document.get("components", {}).pop("securitySchemes", None)
    for operations in document["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    return document


schema = schemathesis.openapi.from_dict(
    _without_security(api.get_openapi_schema(path_prefix="/api/v1/"))
)
schema.app = get_wsgi_application()


# Operations whose inputs obey rules no JSON schema states: an identifier must be a real
# phone number or e-mail address, a customer needs one of them, a merge needs two different
# live customers, an interaction cannot lie in the future. Schema-valid input may rightly get
# a 400 with a message there; every other check (no 5xx, documented responses) still applies.
SEMANTIC_RULES = {
    ("POST", "/api/v1/customers"),
    ("PATCH", "/api/v1/customers/{customer_id}"),
    ("GET", "/api/v1/customers/lookup"),
    ("POST", "/api/v1/customers/{customer_id}/merge"),
    ("POST", "/api/v1/merges/{merge_id}/undo"),
    ("POST", "/api/v1/interactions"),
    ("POST", "/api/v1/products"),  # a name in English or Chinese that is not blank
    ("PATCH", "/api/v1/products/{product_id}"),  # the same
    ("POST", "/api/v1/price-lists"),  # a name that is not blank, valid_until >= valid_from
    ("PATCH", "/api/v1/price-lists/{price_list_id}"),  # the same; currency fixed once priced
    ("POST", "/api/v1/leads"),  # a real phone, e-mail or handle; one of them at least
    ("PATCH", "/api/v1/leads/{lead_id}"),  # the same, and the status rules
    ("POST", "/api/v1/leads/{lead_id}/convert"),  # an existing pipeline, stage rules
    ("POST", "/api/v1/activities"),  # a date between 2000 and 2100, a link needs type and id
    ("PATCH", "/api/v1/activities/{activity_id}"),
    ("POST", "/api/v1/activities/{activity_id}/complete"),  # done now or before, follow-up later
    ("POST", "/api/v1/orders"),  # a known customer and SKUs priced in the currency, one key
    ("POST", "/api/v1/orders/batch"),  # the same for each order
    ("POST", "/api/v1/orders/{order_id}/status"),  # not in the future (409: the lifecycle)
    ("POST", "/api/v1/quotes"),  # valid from today for at most a year
    ("POST", "/api/v1/quotes/{quote_id}/send"),  # a real e-mail address
}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, fuzz_token):  # type: ignore[no-untyped-def]
    token_id, key = fuzz_token
    # DELETE /tokens/{id} may hit the fuzzer's own token; keep it usable for every example.
    ApiToken.objects.filter(pk=token_id).update(revoked_at=None)
    # A cursor is opaque and signed: a schema-valid but forged one is rightly a 400, so the
    # "valid data is accepted" check cannot apply to requests that carry one.
    forged_cursor = bool((case.query or {}).get("cursor"))
    semantic = (case.method.upper(), case.path) in SEMANTIC_RULES
    excluded = [positive_data_acceptance] if forged_cursor or semantic else []
    # A query value that is a list, object or null cannot be written in a URL; it vanishes
    # from the request, which is then valid — not "invalid data accepted".
    if any(not isinstance(v, str | int | float | bool) for v in (case.query or {}).values()):
        excluded.append(negative_data_rejection)
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {key}"}, excluded_checks=excluded or None
    )
    assert response.status_code < 500
