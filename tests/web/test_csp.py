"""Every page: an enforcing CSP without unsafe-inline/eval, no inline script, style or on*=."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from heartline.core.notifications import notification_create
from heartline.web import urls as web_urls

pytestmark = pytest.mark.django_db
POST_ONLY_OR_REDIRECT = {
    "login",
    "logout",
    "login_verify",
    "notifications_read_all",
    # customer import steps without an upload redirect to the first step; export is POST only
    "customer_import_review",
    "customer_import_run",
    "customer_import_cancel",
    "customer_export",
    # catalogue: new categories and price lists are created from the forms on their lists
    "catalogue_category_create",
    "catalogue_price_list_create",
    # lead import steps without an upload redirect to the first step; rule changes are POST
    "lead_import_review",
    "lead_import_run",
    "lead_import_cancel",
    "lead_score_rule_add",
    "lead_score_rules_reset",
    "lead_assignment_rule_add",
    # activities are planned from the quick-add form on My day (POST only)
    "activity_add",
    "calendar_address",  # making or revoking the calendar address (POST only)
}


class InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, _value in attrs:
            if name == "style" or name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}=…>")
        if tag == "style":
            self.problems.append("<style> element")
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:40]}")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def assert_safe_page(response, *, signed_in: bool) -> None:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert inline_problems(response.content.decode()) == []
    if signed_in:
        assert response["Cache-Control"] == "no-store"


def page_urls(admin_pk: int) -> list[str]:
    urls = []
    for pattern in web_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if "<" not in str(pattern.pattern) and pattern.name not in POST_ONLY_OR_REDIRECT:
            urls.append(reverse(f"web:{pattern.name}"))
    urls.append(reverse("web:staff_edit", args=[admin_pk]))
    urls += ["/search/?q=a", "/audit/?action=create", "/staff/new/"]
    return urls


def test_every_page_for_admin(staff_by_role) -> None:  # type: ignore[no-untyped-def]
    admin_user = staff_by_role["admin"]
    notification_create(recipient=admin_user, text="<b onclick=alert(1)>hi</b>")
    client = Client()
    client.force_login(admin_user)
    client.post("/account/two-factor/", {"action": "start"})  # the page with the QR code
    checked = 0
    for url in page_urls(admin_user.pk):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe_page(response, signed_in=True)
        checked += 1
    created = client.post("/tokens/", {"name": "ci"})  # the page that shows a secret
    assert_safe_page(created, signed_in=True)
    invalid = client.post("/staff/new/", {"username": ""})
    assert invalid.status_code == 400
    assert_safe_page(invalid, signed_in=True)
    assert checked == len(page_urls(admin_user.pk)) >= 14


def test_sign_in_pages(make_staff) -> None:  # type: ignore[no-untyped-def]
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import PASSWORD

    client = Client()
    assert_safe_page(client.get("/login/"), signed_in=False)
    user = make_staff(username="otp-user")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post("/login/", {"username": "otp-user", "password": PASSWORD})
    assert_safe_page(client.get("/login/verify/"), signed_in=False)


def test_inline_finder_catches_what_it_must() -> None:
    html = (
        '<p style="x">a</p><a onclick="x">b</a><div hx-on:click="x"></div>'
        "<script>alert(1)</script><script src=/s.js></script>"
    )
    assert inline_problems(html) == [
        "<p style=…>",
        "<a onclick=…>",
        "<div hx-on:click=…>",
        "inline script: alert(1)",
    ]
