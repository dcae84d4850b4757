"""Rule-based lead scoring: the rules are rows (:class:`ScoreRule`), the score is the sum of
the points of the rules that apply (kept within 0–100), and each applied rule is stored on the
lead as a reason, so the lead page can say why a lead scores what it does.

Analytics may replace this later; it only has to write ``score`` and ``score_reasons``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from heartline.catalogue.models import Product
from heartline.customers.models import ConsentEvent
from heartline.leads.models import Lead, ScoreRule

MIN_SCORE, MAX_SCORE = 0, 100
MAX_PRODUCTS_MATCHED = 5000
# Free mail services: an address there says nothing about a company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "qq.com",
        "vip.qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sina.cn",
        "sohu.com",
        "aliyun.com",
        "139.com",
        "189.cn",
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "web.de",
    }
)

# Default rules of a new installation (migration 0002) and of `score_rules_reset`.
DEFAULT_RULES: tuple[tuple[str, str, int], ...] = (
    ("has_phone", "", 10),
    ("has_email", "", 5),
    ("corporate_email", "", 15),
    ("has_organisation", "", 10),
    ("mentions_product", "", 20),
    ("source", "web_form", 5),
    ("source", "campaign", 10),
    ("source", "import", -5),
)

_LABELS = {
    "has_phone": gettext_noop("has a phone number"),
    "has_email": gettext_noop("has an e-mail address"),
    "corporate_email": gettext_noop("e-mail at the company domain %(value)s"),
    "has_handle": gettext_noop("has a WeChat or other handle"),
    "has_organisation": gettext_noop("organisation given"),
    "mentions_product": gettext_noop("message mentions the product %(value)s"),
    "mentions_word": gettext_noop("message mentions “%(value)s”"),
    "source": gettext_noop("came from %(value)s"),
    "territory": gettext_noop("in territory %(value)s"),
    "language": gettext_noop("speaks %(value)s"),
    "consent": gettext_noop("gave consent: %(value)s"),
}


@dataclass(frozen=True)
class Facts:
    """What the rules look at: the lead's fields and the purposes it consented to."""

    phone: str
    email: str
    handle: str
    organisation: str
    message: str
    source: str
    territory: str
    language: str
    granted: frozenset[str]


def facts_of(lead: Lead, granted: Iterable[str]) -> Facts:
    return Facts(
        phone=lead.phone,
        email=lead.email,
        handle=lead.handle,
        organisation=lead.organisation,
        message=lead.message,
        source=lead.source,
        territory=lead.territory,
        language=lead.language,
        granted=frozenset(granted),
    )


def _words(value: str) -> list[str]:
    return [w.strip().lower() for w in value.replace("，", ",").split(",") if w.strip()]


def _mentions_product(message: str) -> str:
    """The first active product (SKU, English or Chinese name) the message names, or ""."""
    text = message.lower()
    if not text:
        return ""
    rows = Product.objects.filter(active=True).order_by("id")
    for sku, name_en, name_zh in rows.values_list("sku", "name_en", "name_zh")[
        :MAX_PRODUCTS_MATCHED
    ]:
        for candidate in (sku, name_en, name_zh):
            if len(candidate) >= 2 and candidate.lower() in text:
                return candidate
    return ""


def _applies(rule: ScoreRule, facts: Facts, product: str | None) -> tuple[bool, str]:
    """Whether ``rule`` applies, and what matched (shown with the reason)."""
    kind, value = rule.kind, rule.value.strip()
    if kind == "has_phone":
        return bool(facts.phone), ""
    if kind == "has_email":
        return bool(facts.email), ""
    if kind == "has_handle":
        return bool(facts.handle), ""
    if kind == "has_organisation":
        return bool(facts.organisation), ""
    if kind == "corporate_email":
        domain = facts.email.rpartition("@")[2]
        free = FREE_MAIL_DOMAINS | set(_words(value))
        return bool(domain) and domain not in free, domain
    if kind == "mentions_product":
        return bool(product), product or ""
    if kind == "mentions_word":
        text = facts.message.lower()
        hit = next((w for w in _words(value) if w in text), "")
        return bool(hit), hit
    if kind == "source":
        return facts.source == value, value
    if kind == "territory":
        return bool(value) and facts.territory.lower() == value.lower(), value
    if kind == "language":
        return bool(value) and facts.language == value.lower(), value
    if kind == "consent":
        return value in facts.granted, value
    return False, ""


def compute(
    facts: Facts, rules: Iterable[ScoreRule] | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """The score (0–100) and its reasons ``[{"kind", "value", "points"}]`` in rule order."""
    if rules is None:
        rules = ScoreRule.objects.filter(active=True).order_by("position", "id")
    rules = list(rules)
    product = (
        _mentions_product(facts.message)
        if any(r.kind == "mentions_product" for r in rules)
        else None
    )
    total, reasons = 0, []
    for rule in rules:
        applies, matched = _applies(rule, facts, product)
        if applies:
            total += rule.points
            reasons.append({"kind": rule.kind, "value": matched, "points": rule.points})
    return max(MIN_SCORE, min(MAX_SCORE, total)), reasons


def label(reason: dict[str, Any]) -> str:
    """A stored reason in the reader's language: "has a phone number (+10)"."""
    kind, value = str(reason.get("kind")), reason.get("value", "")
    if kind == "source":
        value = dict(Lead.Source.choices).get(value, value)
    elif kind == "consent":
        value = dict(ConsentEvent.Purpose.choices).get(value, value)
    text = _LABELS.get(kind, "%(value)s")
    described = _(text) % {"value": value} if "%(" in text else _(text)
    return f"{described} ({int(reason.get('points', 0)):+d})"
