"""Only one way to reach the person is required — and the rule, with its message, is the same
from the new-lead page, the API, the import and the public form: nothing stored without one,
a lead with any single one."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client

from heartline.leads import publicform
from heartline.leads.contact import one_way_to_reach_message
from heartline.leads.imports import import_records
from heartline.leads.models import Lead
from tests.leads.conftest import ORIGIN

pytestmark = pytest.mark.django_db
ONLY_A_NAME = {"name_cjk": "王芳", "organisation": "ACME", "message": "hello"}
WAYS = [{"phone": "138 0013 8000"}, {"email": "Fang@ACME.cn"}, {"wechat": "fang_w"}]


def by_page(client: Client, values: dict[str, str]) -> tuple[int, str]:
    response = client.post("/leads/new/", values)
    if response.status_code == 302:
        return 302, ""
    errors = response.context["form"].non_field_errors()
    return response.status_code, " ".join(errors)


def by_api(client: Client, values: dict[str, str]) -> tuple[int, str]:
    body = {("handle" if k == "wechat" else k): v for k, v in values.items()}
    response = client.post("/api/v1/leads", body, content_type="application/json")
    if response.status_code in (200, 201):
        return response.status_code, ""
    return response.status_code, " ".join(response.json()["error"]["details"]["contact"])


def by_import(actor: object, values: dict[str, str]) -> tuple[str, str]:
    record = {("name_cjk" if k == "name_cjk" else k): v for k, v in values.items()}
    result = import_records(actor=actor, records=[record], dry_run=False).results[0]
    return result.status, result.reason


def by_public_form(form: object, values: dict[str, str]) -> tuple[int, str]:
    cache.clear()
    data = {
        "token": publicform.token_issue(form, issued_at=time.time() - 10),  # type: ignore[arg-type]
        "name": values.get("name_cjk", ""),
        **{k: v for k, v in values.items() if k != "name_cjk"},
    }
    response = Client().post(
        f"/forms/{form.public_key}/submit",  # type: ignore[attr-defined]
        data,
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCEPT="application/json",
    )
    if response.status_code == 201:
        return 201, ""
    return response.status_code, " ".join(response.json()["error"]["details"]["__all__"])


def test_no_way_to_reach_is_refused_identically_everywhere(
    client_for, api_client, sales, capture_form
):
    message = one_way_to_reach_message()
    assert by_page(client_for(sales), ONLY_A_NAME) == (400, message)
    assert by_api(api_client(sales), ONLY_A_NAME) == (400, message)
    assert by_import(sales, ONLY_A_NAME) == ("rejected", f"contact: {message}")
    assert by_public_form(capture_form, ONLY_A_NAME) == (400, message)
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("way", WAYS, ids=["phone", "email", "wechat"])
def test_any_single_way_is_enough_everywhere(client_for, api_client, sales, capture_form, way):
    assert by_page(client_for(sales), {**ONLY_A_NAME, **way}) == (302, "")
    Lead.objects.all().delete()
    assert by_api(api_client(sales), {**ONLY_A_NAME, **way}) == (201, "")
    Lead.objects.all().delete()
    assert by_import(sales, {**ONLY_A_NAME, **way}) == ("created", "")
    Lead.objects.all().delete()
    assert by_public_form(capture_form, {**ONLY_A_NAME, **way}) == (201, "")
    lead = Lead.objects.get()
    assert (lead.phone, lead.email, lead.handle) == {
        "phone": ("+8613800138000", "", ""),
        "email": ("", "fang@acme.cn", ""),
        "wechat": ("", "", "fang_w"),
    }[next(iter(way))]
