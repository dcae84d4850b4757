"""The permission matrix: which role may do what. The one place permissions are decided.

``docs/permissions.md`` is generated from this module (``manage.py permissions_doc``) and a
test keeps the two equal. Pages, API operations and websockets ask ``user.has_perm(code)``
(through ``heartline.accounts.backends.RoleBackend``) or a permission-checked selector.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Agent")
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    ANALYST = "analyst", _("Analyst")


# code -> what it allows. Codes are "<area>.<action>".
PERMISSIONS: dict[str, str] = {
    "dashboard.view": "See the home dashboard.",
    "search.use": "Use the global search box.",
    "notifications.view": "Receive and read one's own notifications.",
    "apitokens.manage_own": "Create and revoke one's own API tokens.",
    "account.manage_own": "Manage one's own sign-in security (two-factor authentication).",
    "staff.view": "See the staff directory and teams.",
    "staff.manage": "Create, change and deactivate staff accounts and teams; assign roles.",
    "audit.view": "Read the audit trail of every write and every view of personal data.",
    "tasks.view": "See the background task queue and scheduled jobs.",
    "system.admin": "Use the Django administration site.",
    "customers.view": "See customers: profile, identities, timeline, the customer 360.",
    "customers.edit": "Create customers and change their profile, identifiers, notes, consent.",
    "customers.merge": "Merge duplicate customers and undo merges.",
    "customers.import": "Import customers from CSV and vCard files.",
    "customers.export": "Export customers' personal data to CSV and vCard files.",
    "interactions.record": "Record contacts (calls, visits, messages) on a customer's timeline.",
    "catalogue.view": "See products, services, price lists and tax rates.",
    "catalogue.manage": "Create and change products, categories, tax rates and price lists.",
    "leads.view": "See leads and the web forms that capture them.",
    "leads.manage": "Capture, edit, assign, qualify and convert leads; manage capture forms.",
    "deals.view": "See pipelines, deals and the board.",
    "deals.edit": "Create deals and change them, including moving them between stages.",
    "pipelines.manage": "Configure pipelines, stages, probabilities and stage rules.",
    "activities.manage": "Plan and complete calls, meetings, tasks and reminders.",
    "quotes.manage": "Create, send and record the answer to quotes.",
    "orders.view": "See orders and a customer's order history.",
    "orders.manage": "Create orders and move them through their lifecycle.",
    "sales.forecast": "See the sales forecast and dashboard (drilling down needs deals.view).",
}

_CUSTOMER_WORK = frozenset({"customers.view", "customers.edit", "interactions.record"})
_SALES_WORK = frozenset(
    {
        "catalogue.view",
        "leads.view",
        "leads.manage",
        "deals.view",
        "deals.edit",
        "activities.manage",
        "quotes.manage",
        "orders.view",
        "orders.manage",
        "sales.forecast",
    }
)

_EVERYONE = frozenset(
    {
        "dashboard.view",
        "search.use",
        "notifications.view",
        "apitokens.manage_own",
        "account.manage_own",
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.MANAGER: _EVERYONE
    | _CUSTOMER_WORK
    | {
        "staff.view",
        "tasks.view",
        "customers.merge",
        "customers.import",
        "customers.export",
        "catalogue.manage",
        "pipelines.manage",
    }
    | _SALES_WORK,
    # Service agents see the catalogue and a caller's orders and plan their own call-backs.
    Role.AGENT: _EVERYONE
    | _CUSTOMER_WORK
    | {"catalogue.view", "orders.view", "activities.manage", "leads.view", "leads.manage"},
    Role.SALES: _EVERYONE | _CUSTOMER_WORK | _SALES_WORK | {"customers.import"},
    # Marketing imports lead lists, which creates customers: it needs customers.edit too.
    Role.MARKETING: _EVERYONE
    | _CUSTOMER_WORK
    | {"customers.import", "catalogue.view", "leads.view", "leads.manage", "activities.manage"},
    # Analysts see aggregate figures, not the records behind them.
    Role.ANALYST: _EVERYONE | {"tasks.view", "sales.forecast"},
}


def permissions_for_role(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


def role_has(role: str, code: str) -> bool:
    if code not in PERMISSIONS:
        raise KeyError(f"Unknown permission {code!r}: add it to heartline.core.permissions")
    return code in permissions_for_role(role)


def matrix_markdown() -> str:
    """The permission matrix as the Markdown table in docs/permissions.md."""
    roles = list(Role)
    lines = [
        "# Permissions",
        "",
        "Generated from `src/heartline/core/permissions.py` by `manage.py permissions_doc`;",
        "a test fails when this page and the code differ. Every page, API operation and",
        "websocket checks one of these codes (see `tests/test_permission_matrix.py`).",
        "",
        "| permission | what it allows | " + " | ".join(r.value for r in roles) + " |",
        "| --- | --- | " + " | ".join("---" for _ in roles) + " |",
    ]
    for code, text in PERMISSIONS.items():
        marks = " | ".join("yes" if code in ROLE_PERMISSIONS[r] else "" for r in roles)
        lines.append(f"| `{code}` | {text} | {marks} |")
    lines.append("")
    return "\n".join(lines)
