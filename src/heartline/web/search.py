"""The global search box: a small registry of search providers.

A provider answers one kind of result (staff, navigation, later customers, tickets, …) for
a user who holds its permission. Apps plug in with :func:`register`::

    search.register(SearchProvider(key="customers", label=_("Customers"),
                                   permission="customers.view", find=find_customers))

``find(user, query, limit)`` returns :class:`SearchHit` items and must itself only return what
the user may see (use the app's permission-checked selector).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from heartline.accounts.selectors import staff_list_for_user
from heartline.customers.selectors import customer_search
from heartline.web.navigation import navigation_for

MIN_QUERY = 1
MAX_QUERY = 100
DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: str | Promise
    permission: str
    find: Callable[[Any, str, int], list[SearchHit]]


@dataclass
class SearchGroup:
    key: str
    label: str | Promise
    hits: list[SearchHit] = field(default_factory=list)


PROVIDERS: dict[str, SearchProvider] = {}


def register(provider: SearchProvider) -> None:
    if provider.key in PROVIDERS:
        raise ValueError(f"Search provider {provider.key!r} is registered twice")
    PROVIDERS[provider.key] = provider


def search(user: Any, query: str, *, limit: int = DEFAULT_LIMIT) -> list[SearchGroup]:
    """Results of every provider the user may use, in registration order; empty groups dropped."""
    query = " ".join(query.split())[:MAX_QUERY]
    if len(query) < MIN_QUERY or not user.has_perm("search.use"):
        return []
    groups = []
    for provider in PROVIDERS.values():
        if not user.has_perm(provider.permission):
            continue
        hits = provider.find(user, query, limit)
        if hits:
            groups.append(SearchGroup(key=provider.key, label=provider.label, hits=hits[:limit]))
    return groups


def _find_navigation(user: Any, query: str, limit: int) -> list[SearchHit]:
    needle = query.casefold()
    return [
        SearchHit(title=str(item["label"]), url=item["url"])
        for item in navigation_for(user)
        if needle in str(item["label"]).casefold() or needle in item["key"]
    ][:limit]


def _find_staff(user: Any, query: str, limit: int) -> list[SearchHit]:
    from django.urls import reverse

    matches = staff_list_for_user(user).filter(
        Q(username__icontains=query) | Q(display_name__icontains=query) | Q(email__icontains=query)
    )[:limit]
    return [
        SearchHit(
            title=str(member),
            url=reverse("web:staff") + f"#staff-{member.pk}",
            detail=f"{member.username} · {member.get_role_display()}",
        )
        for member in matches
    ]


def _find_customers(user: Any, query: str, limit: int) -> list[SearchHit]:
    """Phone, e-mail or member number in any format; name in characters, pinyin, Latin."""
    from django.urls import reverse

    return [
        SearchHit(
            title=hit.display_name,
            url=reverse("web:customer_detail", args=[hit.customer_id]),
            detail=" · ".join(p for p in (hit.name_pinyin, hit.name_latin) if p),
        )
        for hit in customer_search(user, query, limit=limit)
    ]


register(SearchProvider("navigation", _("Pages"), "search.use", _find_navigation))
register(SearchProvider("customers", _("Customers"), "customers.view", _find_customers))
register(SearchProvider("staff", _("Staff"), "staff.view", _find_staff))
