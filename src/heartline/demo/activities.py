"""Demo activities: a realistic, bilingual week for the demo sales rep and agent — an overdue
task, today's calls and a meeting, the next days' follow-ups — planned through the services
(so they are audited) and relative to today, so My day always has something to show.

The activities about a customer are tied to the first demo customers, and to a deal of that
customer when the sales demo made one; while there are no customers yet they wait for a later
run. Running it again plans nothing twice (each demo activity is marked by its link).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from heartline.accounts.models import User
from heartline.activities.models import Activity
from heartline.activities.services import activity_create
from heartline.customers.models import Customer
from heartline.sales.models import Deal

DEMO_LINK = "demo"
# (owner, kind, subject, days from today, hour, minutes long, remind, priority, with customer)
PLAN: tuple[tuple[str, str, str, int, int, int | None, int | None, int, bool], ...] = (
    ("sales", "task", "准备年度采购报价 · Prepare the annual quote", -1, 17, None, None, 2, True),
    ("sales", "call", "回访：样品反馈 · Call back about the samples", 0, 10, 15, 15, 1, True),
    ("sales", "meeting", "拜访客户 · Visit at the Nanjing Road office", 0, 14, 60, 30, 2, True),
    ("sales", "email", "发送产品目录 · Send the new catalogue", 0, 16, None, None, 1, True),
    ("sales", "call", "确认交货日期 · Confirm the delivery date", 1, 9, 15, 15, 1, True),
    ("sales", "reminder", "合同续签提醒 · Contract renewal is due", 3, 9, None, 60, 1, False),
    ("sales", "meeting", "团队周会 · Weekly sales meeting", 4, 10, 45, 15, 0, False),
    ("agent", "call", "回电：退货进度 · Call back about the return", 0, 11, 10, 10, 1, True),
    ("agent", "task", "核对会员积分 · Check the loyalty points", 2, 15, None, None, 0, True),
)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def seed_activities(*, today: datetime.date | None = None) -> int:
    """Plan the demo activities (once). Returns how many were planned."""
    done = set(Activity.objects.filter(link_type=DEMO_LINK).values_list("link_id", flat=True))
    today = today or timezone.localdate()
    owners = {u.username: u for u in User.objects.filter(username__in={"sales", "agent"})}
    customers = list(Customer.objects.filter(merged_into__isnull=True).order_by("id")[:6])
    planned = 0
    for index, (username, kind, subject, days, hour, length, remind, priority, about) in enumerate(
        PLAN
    ):
        owner = owners.get(username)
        if owner is None or str(index + 1) in done or (about and not customers):
            continue
        due = _at(today + datetime.timedelta(days=days), hour)
        fields: dict[str, Any] = {
            "priority": priority,
            "remind_minutes_before": remind,
            "link_type": DEMO_LINK,
            "link_id": str(index + 1),
        }
        if length:
            fields["end_at"] = due + datetime.timedelta(minutes=length)
        if kind == "meeting" and about:
            fields["location"] = "上海市南京东路1号 · 1 East Nanjing Road, Shanghai"
        if about:
            customer = customers[index % len(customers)]
            fields["customer"] = customer
            deal = Deal.objects.filter(customer=customer).order_by("id").first()
            if deal is not None and username == "sales":
                fields["deal"] = deal
        activity_create(actor=owner, kind=kind, subject=subject, due_at=due, owner=owner, **fields)
        planned += 1
    return planned
