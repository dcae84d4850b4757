"""Demo data: staff in every role and teams now; each capability adds its own part here."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db import transaction

from heartline.accounts import services as accounts
from heartline.accounts.models import Team, User
from heartline.core.notifications import notification_create
from heartline.core.permissions import Role
from heartline.demo.activities import seed_activities
from heartline.demo.catalogue import seed_catalogue
from heartline.demo.leads import seed_leads
from heartline.demo.orders import seed_orders
from heartline.demo.people import person
from heartline.demo.sales import seed_sales

DEMO_PASSWORD = "heartline-demo"  # noqa: S105 — printed by `make run`; demo data only
TEAMS = (
    ("Front-line service 一线客服", "Phone, chat and e-mail service"),
    ("Sales East 华东销售", "Sales for Shanghai, Jiangsu and Zhejiang"),
    ("Marketing 市场部", "Campaigns and loyalty"),
    ("Analytics 数据分析", "Value, churn and experience analysis"),
)
ROLE_TEAM = {
    Role.ADMIN: None,
    Role.MANAGER: 0,
    Role.AGENT: 0,
    Role.SALES: 1,
    Role.MARKETING: 2,
    Role.ANALYST: 3,
}


@dataclass
class SeedReport:
    staff_created: list[str] = field(default_factory=list)
    teams_created: int = 0


@transaction.atomic
def seed_demo(*, seed: int = 1, extra_agents: int = 8) -> SeedReport:
    """Create the demo staff and teams. Running it again creates nothing twice."""
    rng = random.Random(seed)  # noqa: S311
    report = SeedReport()
    teams: list[Team] = []
    for name, description in TEAMS:
        team, created = Team.objects.get_or_create(name=name, defaults={"description": description})
        report.teams_created += int(created)
        teams.append(team)
    accounts_to_make = [(role.value, role) for role in Role]
    accounts_to_make += [(f"agent{i}", Role.AGENT) for i in range(1, extra_agents + 1)]
    for index, (username, role) in enumerate(accounts_to_make):
        someone = person(rng, index)
        if User.objects.filter(username=username).exists():
            continue
        team_index = ROLE_TEAM[role]
        user = accounts.staff_create(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            email=f"{username}@heartline.example",
            display_name=someone.chinese_name or someone.latin_name,
            team=teams[team_index] if team_index is not None else None,
            language="zh-hans" if someone.chinese_name and index % 2 else "en",
        )
        report.staff_created.append(username)
        notification_create(
            recipient=user, text=f"Welcome to Heartline, {user}! 欢迎使用 Heartline。", link="/"
        )
    manager = User.objects.filter(username="manager").first()
    if manager is not None:
        Team.objects.filter(pk=teams[0].pk, manager__isnull=True).update(manager=manager)
    seed_catalogue()  # before the deals, quotes and orders that price its products
    seed_sales(seed=seed)
    seed_activities()
    seed_leads(seed=seed)
    seed_orders(seed=seed)  # last: it uses the demo deals and products
    return report
