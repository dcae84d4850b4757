"""The JSON API: one NinjaAPI under ``/api/v1/``, mounting every app's router.

Authentication is set here, globally, so no operation is open by accident: an API token
(``Authorization: Bearer hl_…``) or the browser session (with CSRF on unsafe methods). See
``docs/api.md`` for how to add a router.
"""

from __future__ import annotations

from heartline.accounts.api import me_router, staff_router, tokens_router
from heartline.accounts.services import api_token_authenticate
from heartline.activities.api import activities_router
from heartline.catalogue.api import price_lists_router, products_router
from heartline.core.api import HeartlineAPI, SessionAuth, SignedInSwagger, TokenAuth
from heartline.core.routers import audit_router, notifications_router
from heartline.customers.api import customers_router, duplicates_router, merges_router
from heartline.leads.api import leads_router
from heartline.orders.api import orders_api
from heartline.sales.api import sales_router
from heartline.timeline.api import customer_timeline_router, interactions_router

api = HeartlineAPI(
    title="Heartline API",
    version="1",
    description=(
        "The Heartline CRM JSON API. Authenticate with `Authorization: Bearer <token>` "
        "(create a token with `manage.py create_api_token USERNAME` or POST /api/v1/tokens) "
        "or with a browser session plus the CSRF token on unsafe methods. Errors have one "
        'shape: `{"error": {"code", "message", "details"}}`. Lists are cursor-paged.'
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(api_token_authenticate), SessionAuth()],
    docs=SignedInSwagger(),
)

api.add_router("/me", me_router)
api.add_router("/staff", staff_router)
api.add_router("/tokens", tokens_router)
api.add_router("/audit", audit_router)
api.add_router("/notifications", notifications_router)
api.add_router("/customers", customers_router)
api.add_router("/customers", customer_timeline_router)
api.add_router("/merges", merges_router)
api.add_router("/duplicates", duplicates_router)
api.add_router("/interactions", interactions_router)
api.add_router("/products", products_router)
api.add_router("/price-lists", price_lists_router)
api.add_router("/activities", activities_router)
api.add_router("/leads", leads_router)
api.add_router("", orders_api)  # /orders, /customers/{id}/orders, /quotes
api.add_router("", sales_router)  # /pipelines, /lost-reasons, /deals
