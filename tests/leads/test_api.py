"""/api/v1/leads: list, capture (201 new, 200 added or repeated), read, change, convert."""

from __future__ import annotations

import pytest

from heartline.core.models import AuditEntry
from heartline.leads.models import Lead
from heartline.sales.models import Deal
from tests.api.conftest import error

pytestmark = pytest.mark.django_db
URL = "/api/v1/leads"


def test_capture_is_idempotent_by_source_ref(api_client, sales, no_rules):
    client = api_client(sales)
    body = {
        "name": "Emma Smith",
        "email": "Emma@Example.org",
        "source": "campaign",
        "source_ref": "fair-2030-017",
        "consents": [{"purpose": "marketing_email", "granted": True, "evidence": "badge scan"}],
    }
    first = client.post(URL, body, content_type="application/json")
    assert first.status_code == 201
    data = first.json()
    assert (data["outcome"], data["email"], data["name_latin"], data["source"]) == (
        "created",
        "emma@example.org",
        "Emma Smith",
        "campaign",
    )
    assert data["consents"][0]["purpose"] == "marketing_email"
    again = client.post(URL, body, content_type="application/json")
    assert again.status_code == 200
    assert (again.json()["outcome"], again.json()["id"]) == ("repeat", data["id"])
    same_person = client.post(
        URL,
        {"email": "emma@example.org", "phone": "+852 9123 4567"},
        content_type="application/json",
    )
    assert same_person.status_code == 200
    assert (same_person.json()["outcome"], same_person.json()["phone"]) == ("added", "+85291234567")
    assert Lead.objects.count() == 1


def test_read_list_and_filters(api_client, sales, default_rules):
    client = api_client(sales)
    hot = client.post(
        URL,
        {"phone": "13800138000", "organisation": "ACME", "email": "a@acme.cn"},
        content_type="application/json",
    ).json()
    cold = client.post(URL, {"email": "b@qq.com"}, content_type="application/json").json()
    assert client.get(f"{URL}/{hot['id']}").json()["score_reasons"][0] == {
        "kind": "has_phone",
        "value": "",
        "points": 10,
        "label": "has a phone number (+10)",
    }
    assert [i["id"] for i in client.get(URL).json()["items"]] == [cold["id"], hot["id"]]
    assert [i["id"] for i in client.get(f"{URL}?min_score=20").json()["items"]] == [hot["id"]]
    assert [i["id"] for i in client.get(f"{URL}?q=ACME").json()["items"]] == [hot["id"]]
    assert [i["id"] for i in client.get(f"{URL}?q=138%200013%208000").json()["items"]] == [
        hot["id"]
    ]
    assert client.get(f"{URL}?status=converted").json()["items"] == []
    assert AuditEntry.objects.filter(action="view", object_id=str(hot["id"])).count() == 1


def test_patch_status_owner_and_details(api_client, sales, make_staff):
    other = make_staff("sales", username="rep.li")
    client = api_client(sales)
    lead = client.post(URL, {"phone": "13800138000"}, content_type="application/json").json()
    url = f"{URL}/{lead['id']}"
    missing_reason = client.patch(url, {"status": "disqualified"}, content_type="application/json")
    assert missing_reason.status_code == 400
    assert missing_reason.json() == error(
        "bad_request",
        "The request is not valid.",
        {"reason": ["Say why the lead is disqualified."]},
    )
    changed = client.patch(
        url,
        {"status": "qualified", "owner_id": other.pk, "territory": "Shanghai"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert (changed.json()["status"], changed.json()["owner_id"], changed.json()["territory"]) == (
        "qualified",
        other.pk,
        "Shanghai",
    )
    emptied = client.patch(url, {"phone": ""}, content_type="application/json")
    assert emptied.status_code == 400
    assert list(emptied.json()["error"]["details"]) == ["contact"]


def test_convert_and_convert_again(api_client, sales, pipeline):
    client = api_client(sales)
    lead = client.post(
        URL, {"name": "王芳", "phone": "13800138000"}, content_type="application/json"
    ).json()
    url = f"{URL}/{lead['id']}/convert"
    done = client.post(
        url,
        {"pipeline_id": pipeline.pk, "deal_title": "Tea", "amount": "980.00"},
        content_type="application/json",
    )
    assert done.status_code == 201
    deal = Deal.objects.get()
    assert done.json()["deal_id"] == deal.pk
    assert done.json()["customer_created"] is True
    assert done.json()["lead"]["status"] == "converted"
    again = client.post(url, {"pipeline_id": pipeline.pk}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "lead_already_converted"
    assert again.json()["error"]["details"] == {
        "customer_id": done.json()["customer_id"],
        "deal_id": deal.pk,
    }
    fresh = client.post(URL, {"phone": "13900139000"}, content_type="application/json").json()
    no_pipeline = client.post(
        f"{URL}/{fresh['id']}/convert", {"pipeline_id": 999999}, content_type="application/json"
    )
    assert no_pipeline.status_code == 400
    assert no_pipeline.json()["error"]["details"] == {"pipeline_id": ["No such pipeline."]}


def test_permissions(api_client, make_staff, sales):
    analyst = make_staff("analyst")
    agent = make_staff("agent")
    assert api_client(analyst).get(URL).status_code == 403
    denied = api_client(analyst).post(
        URL, {"phone": "13800138000"}, content_type="application/json"
    )
    assert denied.status_code == 403
    assert Lead.objects.count() == 0
    lead = api_client(agent).post(URL, {"phone": "13800138000"}, content_type="application/json")
    assert lead.status_code == 201
    assert api_client(agent).get(f"{URL}/999999").status_code == 404
