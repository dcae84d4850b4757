"""The public capture endpoint: CSRF-exempt by design, protected by Origin, a signed timestamp
token, a honeypot, rate limits and a size limit — every refusal a 4xx that stores nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from heartline.leads import publicform
from heartline.leads.models import Lead, LeadConsent
from tests.leads.conftest import ORIGIN

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def token(form: Any, age: float = 10) -> str:
    return publicform.token_issue(form, issued_at=time.time() - age)


def post(form: Any, origin: str | None = ORIGIN, accept: str = JSON, **fields: Any) -> Any:
    client = Client(enforce_csrf_checks=True)  # the endpoint must not need a CSRF token
    data = {"token": token(form), "language": "en", "website": "", **fields}
    headers = {"HTTP_ACCEPT": accept}
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    return client.post(f"/forms/{form.public_key}/submit", data, **headers)


def test_a_visitor_submission_becomes_a_lead_with_consent_per_purpose(capture_form):
    response = post(
        capture_form,
        name="王芳",
        phone="138 0013 8000",
        message="Tea boxes for 200 staff",
        consent_marketing_email="on",
    )
    assert response.status_code == 201
    assert response.json() == {"ok": True, "message": "Thanks, we will call you."}
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in response
    lead = Lead.objects.get()
    assert (lead.name_cjk, lead.phone, lead.source, lead.form, lead.language) == (
        "王芳",
        "+8613800138000",
        "web_form",
        capture_form,
        "en",
    )
    consents = list(
        LeadConsent.objects.filter(lead=lead).values_list(
            "purpose", "granted", "source", "evidence"
        )
    )
    key = capture_form.public_key
    assert consents == [
        ("marketing_email", True, "web_form", f"form {key} (en): Send me news by e-mail"),
        ("marketing_sms", False, "web_form", f"form {key} (en): Send me offers by SMS"),
    ]


def test_the_answer_and_the_consent_wording_follow_the_visitors_language(capture_form):
    response = post(capture_form, email="li@acme.cn", language="zh", consent_marketing_sms="on")
    assert response.json()["message"] == "谢谢，我们会联系您。"
    consent = LeadConsent.objects.get(purpose="marketing_sms")
    assert consent.evidence.endswith("(zh-hans): 短信优惠")
    assert Lead.objects.get().language == "zh-hans"


def test_only_one_way_to_reach_is_needed_and_none_is_a_clear_400(capture_form, counts):
    before = counts()
    response = post(capture_form, name="王芳", message="hello")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert body["details"] == {
        "__all__": [
            "Give one way to reach the person: a phone number, an e-mail address or a WeChat "
            "(or other) handle."
        ]
    }
    assert counts() == before
    assert post(capture_form, wechat="fang_w").status_code == 201
    assert Lead.objects.get().handle == "fang_w"


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def test_honeypot(capture_form, counts):
    before = counts()
    _refused(post(capture_form, phone="13800138000", website="http://spam.example"), 400, "refused")
    assert counts() == before


def test_too_fast_expired_and_forged_tokens(capture_form, counts):
    before = counts()
    _refused(post(capture_form, phone="13800138000", token=token(capture_form, 0)), 400, "too_fast")
    _refused(
        post(capture_form, phone="13800138000", token=token(capture_form, 3 * 3600)), 400, "expired"
    )
    _refused(post(capture_form, phone="13800138000", token="forged:token"), 400, "bad_token")
    other_form_token = publicform.token_issue(
        type(capture_form)(public_key="another-key-123"), issued_at=time.time() - 10
    )
    _refused(post(capture_form, phone="13800138000", token=other_form_token), 400, "bad_token")
    assert counts() == before


def test_a_token_makes_one_lead(capture_form):
    used = token(capture_form)
    assert post(capture_form, phone="13800138000", token=used).status_code == 201
    _refused(post(capture_form, phone="13900139000", token=used), 400, "already_sent")
    cache.clear()  # even when the cache forgets, the token is the capture's source_ref
    assert post(capture_form, phone="13900139000", token=used).status_code == 201
    assert Lead.objects.count() == 1


def test_wrong_or_missing_origin(capture_form, counts):
    before = counts()
    wrong = post(capture_form, phone="13800138000", origin="https://evil.example")
    _refused(wrong, 403, "origin_refused")
    assert "Access-Control-Allow-Origin" not in wrong
    _refused(post(capture_form, phone="13800138000", origin=None), 403, "origin_refused")
    _refused(post(capture_form, phone="13800138000", origin="null"), 403, "origin_refused")
    assert counts() == before


def test_rate_limit_per_address(capture_form):
    for n in range(publicform.IP_LIMIT):
        assert post(capture_form, phone=f"1380013{n:04d}").status_code == 201
    _refused(post(capture_form, phone="13900139000"), 429, "throttled")
    assert Lead.objects.count() == publicform.IP_LIMIT


def test_rate_limit_per_form(capture_form):
    capture_form.max_per_hour = 2
    capture_form.save()
    assert post(capture_form, phone="13800138001").status_code == 201
    assert post(capture_form, phone="13800138002").status_code == 201
    _refused(post(capture_form, phone="13800138003"), 429, "throttled")
    assert Lead.objects.count() == 2


def test_oversized_submission(capture_form, counts):
    before = counts()
    _refused(post(capture_form, phone="13800138000", message="长" * 9000), 413, "payload_too_large")
    assert counts() == before
    response = post(capture_form, phone="13800138000", message="x" * 4001)
    _refused(response, 400, "validation_error")
    assert response.json()["error"]["details"] == {"message": ["At most 4000 characters."]}
    assert counts() == before


def test_unknown_or_inactive_form(capture_form):
    capture_form.active = False
    capture_form.save()
    _refused(post(capture_form, phone="13800138000"), 404, "not_found")
    assert Client().get(f"/forms/{capture_form.public_key}/config").status_code == 404


def test_config_for_the_embed_script(capture_form):
    response = Client().get(
        f"/forms/{capture_form.public_key}/config?lang=zh-CN", HTTP_ORIGIN=ORIGIN
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    config = response.json()
    assert [f["name"] for f in config["fields"]] == [
        "name",
        "organisation",
        "phone",
        "email",
        "wechat",
        "message",
    ]
    assert config["consents"] == [
        {"name": "consent_marketing_email", "text": "通过电子邮件给我发送资讯"},
        {"name": "consent_marketing_sms", "text": "短信优惠"},
    ]
    assert (config["honeypot"], config["language"]) == ("website", "zh-hans")
    publicform.token_check(capture_form, config["token"], now=time.time() + 5)

    refused = Client().get(
        f"/forms/{capture_form.public_key}/config", HTTP_ORIGIN="https://evil.example"
    )
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_preflight(capture_form):
    response = Client().options(f"/forms/{capture_form.public_key}/submit", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert response["Access-Control-Allow-Methods"] == "GET, POST"


def test_the_hosted_page_works_without_javascript(capture_form):
    page = Client().get(f"/forms/{capture_form.public_key}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="token"' in html
    assert 'name="website"' in html
    assert "Send me news by e-mail" in html
    response = post(
        capture_form, origin="http://testserver", accept="text/html", email="li@acme.cn"
    )
    assert response.status_code == 201
    assert "Thanks, we will call you." in response.content.decode()
    bad = post(capture_form, origin="http://testserver", accept="text/html", name="x")
    assert bad.status_code == 400
    assert "Give one way to reach the person" in bad.content.decode()
    assert Lead.objects.count() == 1


def test_the_endpoint_never_reads_a_session(capture_form, sales):
    """A signed-in staff member's browser submitting the form makes an anonymous capture."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales)
    response = client.post(
        f"/forms/{capture_form.public_key}/submit",
        {"token": token(capture_form), "phone": "13800138000"},
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCEPT=JSON,
    )
    assert response.status_code == 201
    assert Lead.objects.get().events.get().actor is None
