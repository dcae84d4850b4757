"""Log in, see the role's navigation, switch language, log out — in a real Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from heartline.accounts.models import User
from heartline.core.notifications import notification_create
from heartline.core.permissions import Role
from heartline.web.navigation import navigation_for
from tests.conftest import PASSWORD
from tests.e2e.conftest import TABLET, off_loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def nav_labels(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("#main-nav a").all_inner_texts()]


def expected_nav(user: User, language: str) -> list[str]:
    with translation.override(language):
        return [str(item["label"]) for item in navigation_for(user)]


def test_agent_signs_in_switches_language_and_signs_out(make_staff, asgi_server, open_page) -> None:  # type: ignore[no-untyped-def]
    agent = off_loop(make_staff, Role.AGENT, username="agent.amy", display_name="Amy")
    page = open_page()
    sign_in(page, asgi_server, "agent.amy")
    assert nav_labels(page) == expected_nav(agent, "en")
    assert nav_labels(page) == [
        "Home",
        "Customers",
        "Leads",
        "My day",
        "Catalogue",
        "Orders",
        "API tokens",
        "Two-factor",
    ]
    assert page.locator("[data-testid=logout]").inner_text() == "Log out"

    page.select_option("#language-select", "zh-hans")
    page.wait_for_selector("html[lang='zh-Hans']")  # no wait_for_function: CSP forbids eval
    assert nav_labels(page) == expected_nav(agent, "zh-hans")
    assert nav_labels(page) == [
        "首页",
        "客户",
        "线索",
        "我的一天",
        "产品目录",
        "订单",
        "API 令牌",
        "两步验证",
    ]
    assert page.locator("[data-testid=logout]").inner_text() == "退出登录"

    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r".*/login/$"))
    assert page.locator("h1").inner_text() == "登录 Heartline"
    page.screenshot(path="/tmp/heartline-signin-zh.png")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_navigation_by_role(role, make_staff, asgi_server, open_page) -> None:  # type: ignore[no-untyped-def]
    user = off_loop(make_staff, role, username=f"{role}.one")
    page = open_page()
    sign_in(page, asgi_server, user.username)
    assert nav_labels(page) == expected_nav(user, "en")
    assert len(nav_labels(page)) == len(navigation_for(user))
    if role == Role.ADMIN:
        page.goto(f"{asgi_server}/staff/")
        page.screenshot(path="/tmp/heartline-staff-laptop.png", full_page=True)


def test_tablet_menu_opens_navigation_and_live_badge(make_staff, asgi_server, open_page) -> None:  # type: ignore[no-untyped-def]
    user = off_loop(make_staff, Role.MANAGER, username="tab.tom")
    page = open_page(TABLET)
    sign_in(page, asgi_server, "tab.tom")
    nav = page.locator("#main-nav")
    assert nav.is_visible() is False
    page.click(".nav-toggle")
    assert nav.is_visible() is True
    assert page.locator(".nav-toggle").get_attribute("aria-expanded") == "true"
    assert nav_labels(page) == expected_nav(user, "en")
    # a notification created now reaches the badge over the websocket
    badge = page.locator("[data-testid=notification-badge]")
    assert badge.get_attribute("data-count") == "0"
    page.wait_for_selector("body[data-live='open']")
    off_loop(notification_create, recipient=user, text="A customer called back")
    page.wait_for_selector("[data-testid=notification-badge][data-count='1']", timeout=5000)
    page.screenshot(path="/tmp/heartline-tablet.png")
