"""Demo leads: a capture form for the website, round-robin assignment in the sales team, the
default scoring rules, and about 30 bilingual leads from every source — three of them with the
phone of a demo customer (``demo/customers.py`` numbers customer *i* ``+86<prefix><i:08d>``;
the lead page shows that customer as a certain duplicate, and converting the lead joins it),
some captured twice, some worked, qualified or disqualified. Every lead goes through
``lead_capture``, like a real one. Nothing here creates customers or deals: that is left to
the salesperson trying the demo.

Deterministic for a seed; running it again adds nothing twice (each capture has a
``source_ref``; the form and the rules are looked up first).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from heartline.accounts.models import Team
from heartline.customers import identities
from heartline.demo.people import CN_MOBILE_PREFIXES, person
from heartline.leads import services, setup
from heartline.leads.capture import lead_capture
from heartline.leads.contact import ConsentDecision, LeadInput
from heartline.leads.models import AssignmentRule, Lead, LeadForm, ScoreRule

FORM_NAME = "Website contact 官网联系表单"
SOURCES = (
    "web_form",
    "web_form",
    "web_form",
    "chat",
    "chat",
    "import",
    "api",
    "manual",
    "campaign",
    "campaign",
)
TERRITORIES = ("Shanghai", "Shanghai", "Jiangsu", "Zhejiang", "Beijing", "Guangdong")
ORGANISATIONS = (
    "",
    "",
    "上海艾克美贸易有限公司",
    "杭州西湖茶业",
    "Bright Harbour Trading Ltd.",
    "苏州园林酒店",
    "Nordlicht GmbH",
)
MESSAGES = (
    ("想了解门店收银系统的报价", "Could you send a quote for the store POS system?"),
    ("我们有 12 家门店，想做会员积分", "We run 12 stores and want a loyalty programme."),
    ("请电话联系我，工作日下午方便", "Please call me on a weekday afternoon."),
    ("展会上看到你们的企业微信客服方案", "Saw your WeCom customer-service demo at the fair."),
    ("年度维保合同快到期了，想比较一下", "Our maintenance contract ends soon; comparing offers."),
    ("", ""),
)
# Demo customers 3, 5 and 7 (their phone numbers, as demo/customers.py makes them).
KNOWN_CUSTOMERS = (3, 5, 7)
LEADS = 30
EMAIL_CONSENT = {
    "purpose": "marketing_email",
    "text_en": "Send me news and offers by e-mail.",
    "text_zh": "通过电子邮件向我发送资讯和优惠。",
}
SMS_CONSENT = {
    "purpose": "marketing_sms",
    "text_en": "Send me offers by SMS.",
    "text_zh": "通过短信向我发送优惠。",
}


@dataclass
class LeadSeedReport:
    created: int = 0
    added: int = 0


def _form() -> LeadForm:
    form = LeadForm.objects.filter(name=FORM_NAME).first()
    if form is not None:
        return form
    return setup.leadform_create(
        actor=None,
        name=FORM_NAME,
        fields=["name", "organisation", "phone", "email", "wechat", "territory", "message"],
        consents=[EMAIL_CONSENT, SMS_CONSENT],
        allowed_origins=["https://www.heartline.example", "http://localhost:8080"],
        title_en="Talk to our sales team",
        title_zh="联系我们的销售团队",
        thank_you_en="Thank you! Our sales team will contact you within one working day.",
        thank_you_zh="谢谢！我们的销售人员将在一个工作日内与您联系。",
    )


def _rules() -> None:
    if not ScoreRule.objects.exists():
        setup.score_rules_reset(actor=None)
    team = Team.objects.filter(name__startswith="Sales").order_by("id").first()
    if team is not None and not AssignmentRule.objects.exists():
        setup.assignment_rule_add(
            actor=None, name="Sales team takes turns 销售轮流", method="round_robin", team=team
        )


def demo_customer_phone(index: int) -> str:
    return f"+86{CN_MOBILE_PREFIXES[index % len(CN_MOBILE_PREFIXES)]}{index:08d}"


def _valid_phone(phone: str) -> bool:
    """The demo people include fictional numbers (+44 7700 900…) no real form would accept."""
    try:
        identities.normalise_phone(phone)
    except ValidationError:
        return False
    return True


def _input(rng: random.Random, index: int) -> tuple[str, LeadInput]:
    source = SOURCES[index % len(SOURCES)]
    someone = person(rng, 10_000 + index)
    zh, en = rng.choice(MESSAGES)
    chinese = bool(someone.chinese_name)
    way = index % 4  # which ways to reach they give
    consents: tuple[ConsentDecision, ...] = ()
    if source == "web_form":
        consents = (
            ConsentDecision("marketing_email", rng.random() < 0.6, "demo web form"),
            ConsentDecision("marketing_sms", rng.random() < 0.3, "demo web form"),
        )
    known = demo_customer_phone(KNOWN_CUSTOMERS[index // 10]) if index % 10 == 4 else ""
    phone = someone.phone if way in (0, 1, 3) and _valid_phone(someone.phone) else ""
    email = someone.email if way in (1, 2) or not phone else ""
    return source, LeadInput(
        name=someone.chinese_name or someone.latin_name,
        organisation=rng.choice(ORGANISATIONS),
        phone=known or phone,
        email="" if known else email,
        handle=f"wx_{someone.email.split('@')[0][:20]}" if way == 3 else "",
        handle_provider="wechat" if way == 3 else "",
        language="zh-hans" if chinese else "en",
        territory=rng.choice(TERRITORIES),
        message=zh if chinese else en,
        consents=consents,
    )


def _work(lead: Lead, index: int) -> None:
    if index % 7 == 1:
        services.lead_set_status(actor=None, lead=lead, status="working")
    elif index % 7 == 2:
        services.lead_set_status(actor=None, lead=lead, status="qualified")
    elif index % 9 == 5:
        reason = "学生，仅做调研" if lead.language == "zh-hans" else "Student, research only"
        services.lead_set_status(actor=None, lead=lead, status="disqualified", reason=reason)


def seed_leads(*, seed: int = 1) -> LeadSeedReport:
    """See the module docstring. Call inside a transaction (``seed_demo`` is one)."""
    rng = random.Random(seed * 7919)  # noqa: S311 — demo data
    report = LeadSeedReport()
    form = _form()
    _rules()
    for index in range(LEADS):
        source, data = _input(rng, index)
        result = lead_capture(
            actor=None,
            data=data,
            source=source,
            source_ref=f"demo-{index}",
            form=form if source == "web_form" else None,
        )
        if result.outcome == "created":
            report.created += 1
            _work(result.lead, index)
        elif result.outcome == "added":
            report.added += 1
        if index % 10 == 8 and result.outcome != "repeat":  # they get in touch again by chat
            lead_capture(
                actor=None,
                data=LeadInput(
                    phone=result.lead.phone,
                    email=result.lead.email,
                    handle=result.lead.handle,
                    handle_provider=result.lead.handle_provider,
                    message="还在等你们的报价"
                    if data.language == "zh-hans"
                    else "Any news on the quote?",
                ),
                source="chat",
                source_ref=f"demo-{index}-again",
            )
            report.added += 1
    return report
