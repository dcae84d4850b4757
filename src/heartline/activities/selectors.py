"""Reads of activities: my day, a customer's or a deal's activities, lists with filters.

Who sees what: an activity is visible to its owner and its creator, to manager-level users
(``staff.view``), and — when it is about a customer — to anyone who may see the customer
(colleagues should know a call is already planned). Changing is for the owner or a manager
(``services.may_change``). Everything needs ``activities.manage``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from heartline.activities.models import Activity
from heartline.activities.services import MANAGE, MANAGER_LEVEL
from heartline.timeline.hot import Rows, Section, aware

UPCOMING_DAYS = 7
MY_DAY_LIMIT = 500
SECTION_LIMIT = 5
LIST_FIELDS = ("owner", "customer")


def _require(user: Any) -> None:
    if not user.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    _require(user)
    rows = Activity.objects.select_related(*LIST_FIELDS)
    if user.has_perm(MANAGER_LEVEL):
        return rows
    visible = Q(owner=user) | Q(created_by=user)
    if user.has_perm("customers.view"):
        visible |= Q(customer__isnull=False)
    return rows.filter(visible)


def activity_for_user(user: Any, activity_id: int) -> Activity:
    """One activity the user may see; ``Activity.DoesNotExist`` otherwise (a 404)."""
    return activities_visible_to(user).get(pk=activity_id)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the current time zone (the site's, Asia/Shanghai by default)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class MyDay:
    today: datetime.date
    overdue: list[Activity] = field(default_factory=list)
    due_today: list[Activity] = field(default_factory=list)
    upcoming: list[tuple[datetime.date, list[Activity]]] = field(default_factory=list)
    done_today: list[Activity] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_today) + sum(len(d[1]) for d in self.upcoming)


def my_day(user: Any, *, now: datetime.datetime | None = None, kind: str = "") -> MyDay:
    """The user's planned activities: overdue (before today), today, and the next seven days
    grouped by day — days as the site's time zone counts them — plus what was done today.
    Two queries on the (owner, status, due_at) index."""
    _require(user)
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = day_start(today)
    end = day_start(today + datetime.timedelta(days=UPCOMING_DAYS + 1))
    planned = Activity.objects.filter(
        owner=user, status=Activity.Status.PLANNED, due_at__lt=end
    ).select_related("customer")
    done = Activity.objects.filter(owner=user, status=Activity.Status.DONE, completed_at__gte=start)
    if kind:
        planned, done = planned.filter(kind=kind), done.filter(kind=kind)
    result = MyDay(today=today)
    by_day: dict[datetime.date, list[Activity]] = {}
    for activity in planned.order_by("due_at", "-priority", "id")[:MY_DAY_LIMIT]:
        if activity.due_at < start:
            result.overdue.append(activity)
        elif activity.due_at < start + datetime.timedelta(days=1):
            result.due_today.append(activity)
        else:
            by_day.setdefault(timezone.localdate(activity.due_at), []).append(activity)
    result.upcoming = sorted(by_day.items())
    result.done_today = list(done.select_related("customer").order_by("-completed_at", "-id"))
    return result


def activities_for(
    user: Any,
    *,
    customer_id: int | None = None,
    deal_id: int | None = None,
    include_closed: bool = True,
    limit: int = 20,
) -> list[Activity]:
    """The activities of one customer or one deal that the user may see: planned ones first
    (soonest first), then the latest done or cancelled ones. For the customer desk and the
    deal page (template ``activities/_for_object.html``)."""
    if (customer_id is None) == (deal_id is None):
        raise ValueError("Give customer_id or deal_id.")
    rows = activities_visible_to(user)
    rows = rows.filter(**({"customer_id": customer_id} if customer_id else {"deal_id": deal_id}))
    planned = list(rows.filter(status=Activity.Status.PLANNED).order_by("due_at", "id")[:limit])
    if not include_closed or len(planned) >= limit:
        return planned
    closed = rows.exclude(status=Activity.Status.PLANNED).order_by("-due_at", "-id")
    return planned + list(closed[: limit - len(planned)])


SECTION_FIELDS = ("id", "kind", "subject", "due_at", "all_day", "owner_id", "deal_id")


def _section_rows(rows: Rows) -> list[dict[str, Any]]:
    section = [dict(zip(SECTION_FIELDS, row, strict=True)) for row in rows]
    for activity in section:
        activity["due_at"] = aware(activity["due_at"])
        activity["all_day"] = bool(activity["all_day"])
    return section


# The customer 360's "activities" section: the next planned ones — one query through
# activity_customer_idx (customer, status, due_at), run on the 360's cursor (called alone, it
# runs by itself). The 360 itself is checked (customers.view), and these are visible to
# anyone who may see the customer.
customer_section = Section(
    permission="activities.manage",
    sql=(
        "SELECT id, kind, subject, due_at, all_day, owner_id, deal_id FROM activities_activity"
        " WHERE customer_id = %s AND status = %s ORDER BY due_at, id LIMIT %s"
    ),
    params=lambda customer_id: [customer_id, Activity.Status.PLANNED.value, SECTION_LIMIT],
    shape=_section_rows,
)


def activity_list(
    user: Any,
    *,
    owner_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    customer_id: int | None = None,
    deal_id: int | None = None,
    due_from: datetime.datetime | None = None,
    due_to: datetime.datetime | None = None,
) -> QuerySet[Activity]:
    """Activities for the API list: the user's own unless ``owner_id`` names another (which
    shows only what the user may see of that person's)."""
    rows = activities_visible_to(user).filter(owner_id=owner_id or user.pk)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    if deal_id:
        rows = rows.filter(deal_id=deal_id)
    if due_from:
        rows = rows.filter(due_at__gte=due_from)
    if due_to:
        rows = rows.filter(due_at__lt=due_to)
    return rows
