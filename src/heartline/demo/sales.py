"""Demo pipelines and deals: "New business / 新业务" and "Renewals / 续约" with their stage rules,
lost reasons, and about 40 deals on the first demo customers — opened, moved, won and lost
through the sales services, so their history, audit trail and timeline entries are real.

Deterministic for a seed; running it again adds nothing twice (pipelines by name, deals only
for customers that have none yet, up to :data:`DEALS`).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from heartline.accounts.models import User
from heartline.customers.models import Customer
from heartline.sales import services
from heartline.sales.models import Deal, LostReason, Pipeline, Stage, StageChange
from heartline.sales.pipelines import StageInput, lost_reason_create, pipeline_create

DEALS = 40
PipelineSpec = tuple[str, str, bool, tuple[StageInput, ...]]  # English, Chinese, no skipping
LOST_REASONS = (
    ("Price too high", "价格太高"),
    ("Chose a competitor", "选择了竞争对手"),
    ("No budget this year", "今年没有预算"),
    ("No decision", "迟迟未决定"),
)
NEW_BUSINESS: PipelineSpec = (
    "New business",
    "新业务",
    False,
    (
        StageInput("Lead", "线索", "open", 10),
        StageInput("Qualified", "需求确认", "open", 30, ["owner"]),
        StageInput("Proposal", "方案报价", "open", 60, ["amount", "expected_close"]),
        StageInput("Won", "赢单", "won"),
        StageInput("Lost", "输单", "lost"),
    ),
)
RENEWALS: PipelineSpec = (
    "Renewals",
    "续约",
    True,
    (
        StageInput("Up for renewal", "待续约", "open", 50),
        StageInput("Negotiating", "续约谈判", "open", 80, ["amount", "expected_close"]),
        StageInput("Renewed", "已续约", "won"),
        StageInput("Churned", "流失", "lost"),
    ),
)
TITLES = (
    ("门店收银系统", "POS for the stores"),
    ("会员积分平台", "Loyalty points platform"),
    ("企业微信客服接入", "WeCom customer service"),
    ("年度维保合同", "Annual maintenance contract"),
    ("仓储条码扫描枪", "Warehouse barcode scanners"),
    ("电子发票对接", "e-invoice integration"),
    ("呼叫中心坐席扩容", "More call-centre seats"),
    ("线上商城改版", "Web shop redesign"),
)
COMPETITORS = ("Salesforce", "纷享销客", "销售易", "HubSpot")


@dataclass
class SalesSeedReport:
    pipelines: int = 0
    deals: int = 0


def _pipeline(report: SalesSeedReport, spec: PipelineSpec) -> Pipeline:
    name_en, name_zh, no_skipping, stages = spec
    existing = Pipeline.objects.filter(name_en=name_en).first()
    if existing is not None:
        return existing
    report.pipelines += 1
    return pipeline_create(
        actor=None, name_en=name_en, name_zh=name_zh, no_skipping=no_skipping, stages=stages
    )


def _stages(pipeline: Pipeline) -> dict[str, Stage]:
    return {s.name_en: s for s in pipeline.stages.all()}


def _one_deal(
    rng: random.Random,
    index: int,
    customer: Customer,
    owners: list[User],
    pipelines: tuple[Pipeline, Pipeline],
    reasons: list[LostReason],
) -> Deal:
    renewal = index % 4 == 3
    pipeline = pipelines[1] if renewal else pipelines[0]
    stages = _stages(pipeline)
    owner = owners[index % len(owners)]
    zh, en = TITLES[index % len(TITLES)]
    title = f"{zh} · {en}" if not renewal else f"续约 {zh} · Renewal: {en}"
    today = timezone.localdate()
    deal = services.deal_create(
        actor=owner,
        customer=customer,
        title=title,
        pipeline=pipeline,
        amount=Decimal(rng.randrange(20, 900) * 500),
        expected_close=today + datetime.timedelta(days=rng.randrange(-20, 150)),
        competitors=rng.sample(COMPETITORS, rng.randrange(0, 3)),
        source="demo",
    )
    path = (
        ["Negotiating", "Renewed", "Churned", "Up for renewal"][rng.randrange(4)]
        if renewal
        else ["Lead", "Qualified", "Proposal", "Proposal", "Won", "Lost"][rng.randrange(6)]
    )
    order = [s.name_en for s in sorted(stages.values(), key=lambda s: s.position)]
    if stages[path].kind == "open":  # through every stage up to it, as no skipping wants
        steps = order[1 : order.index(path) + 1]
    else:  # through every open stage, then closed
        steps = [*[s for s in order if stages[s].kind == "open"][1:], path]
    for name in steps:
        reason = rng.choice(reasons) if stages[name].kind == "lost" else None
        deal = services.deal_move(
            actor=owner, deal=deal, to_stage=stages[name], via="form", lost_reason=reason
        )
    # Opened some weeks ago, so the forecast's cycle length has something to measure.
    opened = timezone.now() - datetime.timedelta(days=rng.randrange(10, 120))
    Deal.objects.filter(pk=deal.pk).update(created_at=opened)
    StageChange.objects.filter(deal=deal, from_stage__isnull=True).update(at=opened)
    return deal


@transaction.atomic
def seed_sales(*, seed: int = 1) -> SalesSeedReport:
    """Pipelines, lost reasons and up to :data:`DEALS` deals on the first demo customers."""
    rng = random.Random(seed * 7919 + 3)  # noqa: S311 — demo data
    report = SalesSeedReport()
    if not LostReason.objects.exists():
        for name_en, name_zh in LOST_REASONS:
            lost_reason_create(actor=None, name_en=name_en, name_zh=name_zh)
    pipelines = (_pipeline(report, NEW_BUSINESS), _pipeline(report, RENEWALS))
    owners = list(User.objects.filter(role__in=["sales", "manager"], is_active=True).order_by("pk"))
    wanted = DEALS - Deal.objects.filter(source="demo").count()
    if not owners or wanted <= 0:
        return report
    customers = list(
        Customer.objects.filter(merged_into__isnull=True, deals__isnull=True).order_by("pk")[
            :wanted
        ]
    )
    reasons = list(LostReason.objects.filter(active=True))
    for index, customer in enumerate(customers):
        _one_deal(rng, index, customer, owners, pipelines, reasons)
        report.deals += 1
    return report
