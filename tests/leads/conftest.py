"""Fixtures of the leads tests: sales staff in a team, a pipeline, a capture form, helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from heartline.accounts import services as accounts
from heartline.accounts.models import Team, User
from heartline.leads import setup
from heartline.leads.contact import ConsentDecision, LeadInput
from heartline.leads.models import LeadForm, ScoreRule
from heartline.leads.scoring import DEFAULT_RULES
from heartline.sales.models import Pipeline, Stage

ORIGIN = "https://shop.example.cn"


@pytest.fixture
def team(db) -> Team:  # type: ignore[no-untyped-def]
    return Team.objects.create(name="Sales East 华东销售")


@pytest.fixture
def sales(make_staff, team) -> User:  # type: ignore[no-untyped-def]
    return make_staff("sales", username="rep.wang", display_name="王芳", team=team)


@pytest.fixture
def pipeline(db) -> Pipeline:  # type: ignore[no-untyped-def]
    pipeline = Pipeline.objects.create(name_en="New business", name_zh="新业务", currency="CNY")
    Stage.objects.create(pipeline=pipeline, name_en="Contacted", position=1, probability=10)
    Stage.objects.create(pipeline=pipeline, name_en="Proposal", position=2, probability=50)
    Stage.objects.create(pipeline=pipeline, name_en="Won", position=3, kind="won", probability=100)
    return pipeline


@pytest.fixture
def default_rules(db) -> None:  # type: ignore[no-untyped-def]
    """Exactly the default scoring rules (a flushed database may have lost the migration's)."""
    ScoreRule.objects.all().delete()
    setup.score_rules_reset(actor=None, rules=DEFAULT_RULES)


@pytest.fixture
def no_rules(db) -> None:  # type: ignore[no-untyped-def]
    ScoreRule.objects.all().delete()


@pytest.fixture
def capture_form(db, team) -> LeadForm:  # type: ignore[no-untyped-def]
    return setup.leadform_create(
        actor=None,
        name="Website contact 官网联系",
        fields=["name", "organisation", "phone", "email", "wechat", "message"],
        consents=[
            {
                "purpose": "marketing_email",
                "text_en": "Send me news by e-mail",
                "text_zh": "通过电子邮件给我发送资讯",
            },
            {"purpose": "marketing_sms", "text_en": "Send me offers by SMS", "text_zh": "短信优惠"},
        ],
        allowed_origins=[ORIGIN],
        thank_you_en="Thanks, we will call you.",
        thank_you_zh="谢谢，我们会联系您。",
    )


def lead_input(**values: Any) -> LeadInput:
    consents = values.pop("consents", ())
    return LeadInput(**values, consents=tuple(ConsentDecision(p, g, "test") for p, g in consents))


@pytest.fixture
def counts() -> Callable[[], dict[str, int]]:
    """Rows of every model, to show that a refusal wrote nothing."""

    def count() -> dict[str, int]:
        return {m._meta.label: m._default_manager.count() for m in apps.get_models()}

    return count


@pytest.fixture
def api_client(db) -> Callable[[User], Client]:  # type: ignore[no-untyped-def]
    """A client that authenticates every request with a fresh API token of ``user``."""

    def make(user: User) -> Client:
        key = accounts.api_token_create(actor=None, user=user, name="tests")[1]
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return make
