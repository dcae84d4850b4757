"""The OpenAPI document and the interactive docs (offline, CSP-clean, sign-in needed)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Heartline API"
    assert schema["components"]["securitySchemes"] == {
        "TokenAuth": {"type": "http", "scheme": "bearer"},
        "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
    assert sorted(
        f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops
    ) == [
        "DELETE /api/v1/price-lists/{price_list_id}/items/{item_id}",
        "DELETE /api/v1/tokens/{token_id}",
        "GET /api/v1/activities",
        "GET /api/v1/activities/{activity_id}",
        "GET /api/v1/audit",
        "GET /api/v1/customers/lookup",
        "GET /api/v1/customers/search",
        "GET /api/v1/customers/{customer_id}",
        "GET /api/v1/customers/{customer_id}/360",
        "GET /api/v1/customers/{customer_id}/duplicates",
        "GET /api/v1/customers/{customer_id}/orders",
        "GET /api/v1/customers/{customer_id}/timeline",
        "GET /api/v1/deals",
        "GET /api/v1/deals/{deal_id}",
        "GET /api/v1/deals/{deal_id}/stage-changes",
        "GET /api/v1/duplicates",
        "GET /api/v1/leads",
        "GET /api/v1/leads/{lead_id}",
        "GET /api/v1/lost-reasons",
        "GET /api/v1/me",
        "GET /api/v1/notifications",
        "GET /api/v1/orders/{order_id}",
        "GET /api/v1/pipelines",
        "GET /api/v1/pipelines/{pipeline_id}",
        "GET /api/v1/price-lists",
        "GET /api/v1/price-lists/{price_list_id}",
        "GET /api/v1/price-lists/{price_list_id}/items",
        "GET /api/v1/products",
        "GET /api/v1/products/categories",
        "GET /api/v1/products/{product_id}",
        "GET /api/v1/products/{product_id}/price",
        "GET /api/v1/quotes/{quote_id}",
        "GET /api/v1/staff",
        "GET /api/v1/tokens",
        "PATCH /api/v1/activities/{activity_id}",
        "PATCH /api/v1/customers/{customer_id}",
        "PATCH /api/v1/deals/{deal_id}",
        "PATCH /api/v1/leads/{lead_id}",
        "PATCH /api/v1/price-lists/{price_list_id}",
        "PATCH /api/v1/products/{product_id}",
        "POST /api/v1/activities",
        "POST /api/v1/activities/{activity_id}/cancel",
        "POST /api/v1/activities/{activity_id}/complete",
        "POST /api/v1/customers",
        "POST /api/v1/customers/{customer_id}/addresses",
        "POST /api/v1/customers/{customer_id}/consent",
        "POST /api/v1/customers/{customer_id}/merge",
        "POST /api/v1/customers/{customer_id}/relations",
        "POST /api/v1/deals",
        "POST /api/v1/deals/{deal_id}/move",
        "POST /api/v1/duplicates/{pair_id}/dismiss",
        "POST /api/v1/interactions",
        "POST /api/v1/leads",
        "POST /api/v1/leads/{lead_id}/convert",
        "POST /api/v1/merges/{merge_id}/undo",
        "POST /api/v1/notifications/read",
        "POST /api/v1/orders",
        "POST /api/v1/orders/batch",
        "POST /api/v1/orders/{order_id}/status",
        "POST /api/v1/price-lists",
        "POST /api/v1/price-lists/{price_list_id}/items",
        "POST /api/v1/products",
        "POST /api/v1/quotes",
        "POST /api/v1/quotes/{quote_id}/accept",
        "POST /api/v1/quotes/{quote_id}/reject",
        "POST /api/v1/quotes/{quote_id}/send",
        "POST /api/v1/tokens",
    ]


@pytest.mark.django_db
def test_docs_page_requires_sign_in(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/v1/docs"


@pytest.mark.django_db
def test_docs_page_is_offline_and_has_no_inline_script(make_staff, client_for):
    response = client_for(make_staff("agent", username="ann")).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert not re.search(r"\son\w+=", html)
    assert "style=" not in html
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert sources == ["/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"]
    for source in sources:
        assert finders.find(source.removeprefix("/static/")) is not None
    # the only other script element is a JSON data block, which browsers never execute
    blocks = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    inline = [(attrs, body) for attrs, body in blocks if body.strip()]
    assert [attrs.strip() for attrs, _body in inline] == [
        'type="application/json" id="swagger-settings"'
    ]
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp


def test_every_schema_has_its_own_name() -> None:
    """Two schemas of one name become one OpenAPI component: the second silently replaces
    the first in the documentation and in fuzzing (seen: leads' and customers' ConsentIn)."""
    from ninja import Schema

    from heartline.api import api

    api.get_openapi_schema()  # imports every router's schemas
    seen: dict[str, str] = {}
    pending = list(Schema.__subclasses__())
    clashes = []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("heartline."):
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__name__ in seen and seen[cls.__name__] != where:
            clashes.append((seen[cls.__name__], where))
        seen.setdefault(cls.__name__, where)
    assert clashes == []
