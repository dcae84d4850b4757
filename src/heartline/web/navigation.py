"""The navigation of the shell: each entry needs one permission; a user sees what they may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    permission: str


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), "web:home", "dashboard.view"),
    NavItem("customers", _("Customers"), "web:customers", "customers.view"),
    NavItem("leads", _("Leads"), "web:leads", "leads.view"),
    NavItem("deal_board", _("Pipeline board"), "web:deal_board_first", "deals.view"),
    NavItem("deals", _("Deals"), "web:deals", "deals.view"),
    NavItem("my_day", _("My day"), "web:my_day", "activities.manage"),
    NavItem("duplicates", _("Duplicates"), "web:customer_duplicate_pairs", "customers.merge"),
    NavItem("sales_dashboard", _("Sales dashboard"), "web:sales_dashboard", "sales.forecast"),
    NavItem("catalogue", _("Catalogue"), "web:catalogue", "catalogue.view"),
    NavItem("quotes", _("Quotes"), "web:quotes", "quotes.manage"),
    NavItem("orders", _("Orders"), "web:orders", "orders.view"),
    NavItem("tasks", _("Tasks"), "web:tasks", "tasks.view"),
    NavItem("staff", _("Staff"), "web:staff", "staff.view"),
    NavItem("audit", _("Audit trail"), "web:audit", "audit.view"),
    NavItem("tokens", _("API tokens"), "web:tokens", "apitokens.manage_own"),
    NavItem("security", _("Two-factor"), "web:two_factor", "account.manage_own"),
    NavItem("admin", _("Administration"), "admin:index", "system.admin"),
)


def navigation_for(user: Any) -> list[dict[str, Any]]:
    if not user.is_authenticated:
        return []
    return [
        {"key": item.key, "label": item.label, "url": reverse(item.url_name)}
        for item in NAVIGATION
        if user.has_perm(item.permission)
    ]
