"""The customer API contract other systems integrate against (paths are fixed by issue 3)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from heartline.accounts.services import api_token_create
from heartline.customers.models import Customer
from heartline.timeline.models import Interaction


@pytest.fixture
def api(staff_by_role):
    def client_for(role: str) -> Client:
        user = staff_by_role[role]
        _, key = api_token_create(actor=user, user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return client_for


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


@pytest.mark.django_db
def test_create_with_one_identifier_then_conflict_names_the_existing_customer(api):
    agent = api("agent")
    created = post(agent, "/api/v1/customers", {"phone": "138 0013 8000"})
    assert created.status_code == 201
    body = created.json()
    assert body["identities"] == [
        {
            "id": body["identities"][0]["id"],
            "kind": "phone",
            "provider": "",
            "value": "+8613800138000",
            "label": "",
            "verified": False,
        }
    ]
    clash = post(agent, "/api/v1/customers", {"name_cjk": "王芳", "phone": "+86 138-0013-8000"})
    assert clash.status_code == 409
    assert clash.json()["error"] == {
        "code": "identity_taken",
        "message": f"Phone +8613800138000 already belongs to customer #{body['id']}.",
        "details": {"existing_customer_id": body["id"], "kind": "phone", "value": "+8613800138000"},
    }
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_gets_4xx_with_messages_and_writes_nothing(api):
    agent = api("agent")
    nothing = post(agent, "/api/v1/customers", {"name_cjk": "王芳"})
    assert nothing.status_code == 400
    assert list(nothing.json()["error"]["details"]) == ["identities"]
    bad_phone = post(agent, "/api/v1/customers", {"phone": "12"})
    assert bad_phone.status_code == 400
    unknown = post(agent, "/api/v1/customers", {"phone": "13800138000", "password": "x"})
    assert unknown.status_code == 422
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_read_patch_lookup_search(api):
    agent = api("agent")
    cid = post(
        agent,
        "/api/v1/customers",
        {"phone": "13912345678", "name_cjk": "张伟", "birthday": {"month": 5, "day": 4}},
    ).json()["id"]
    assert agent.get(f"/api/v1/customers/{cid}").json()["name_pinyin"] == "Zhāng Wěi"
    patched = agent.patch(
        f"/api/v1/customers/{cid}", {"name_latin": "Wei Zhang"}, content_type="application/json"
    )
    assert (patched.status_code, patched.json()["name_latin"]) == (200, "Wei Zhang")
    found = agent.get("/api/v1/customers/lookup", {"phone": "+86 139 1234 5678"})
    assert (found.status_code, found.json()["id"]) == (200, cid)
    assert agent.get("/api/v1/customers/lookup", {"phone": "13800000000"}).status_code == 404
    assert (
        agent.get("/api/v1/customers/lookup", {"phone": "1", "email": "a@b.cn"}).status_code == 400
    )
    hits = agent.get("/api/v1/customers/search", {"q": "zhang wei"}).json()["items"]
    assert [(h["customer_id"], h["matched"], h["rank"]) for h in hits] == [(cid, "pinyin", 1)]
    assert agent.get("/api/v1/customers/999999").status_code == 404


@pytest.mark.django_db
def test_interactions_are_idempotent_on_source_ref_and_the_timeline_pages(api):
    agent = api("agent")
    cid = post(agent, "/api/v1/customers", {"email": "li@example.com"}).json()["id"]
    start = timezone.now() - datetime.timedelta(days=10)
    for i in range(5):
        response = post(
            agent,
            "/api/v1/interactions",
            {
                "customer_id": cid,
                "channel": "chat",
                "direction": "in",
                "occurred_at": (start + datetime.timedelta(days=i)).isoformat(),
                "summary": f"s{i}",
                "source": "chatbot",
                "source_ref": f"conv-{i}",
            },
        )
        assert response.status_code == 201
    repeat = post(
        agent,
        "/api/v1/interactions",
        {
            "customer_id": cid,
            "channel": "chat",
            "direction": "in",
            "summary": "s0 again",
            "source": "chatbot",
            "source_ref": "conv-0",
        },
    )
    assert (repeat.status_code, repeat.json()["summary"]) == (200, "s0")
    assert Interaction.objects.count() == 5

    first = agent.get(f"/api/v1/customers/{cid}/timeline", {"limit": 2}).json()
    assert [r["summary"] for r in first["items"]] == ["s4", "s3"]
    second = agent.get(
        f"/api/v1/customers/{cid}/timeline", {"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = agent.get(
        f"/api/v1/customers/{cid}/timeline", {"limit": 2, "cursor": second["next_cursor"]}
    ).json()
    assert [r["summary"] for r in second["items"] + third["items"]] == ["s2", "s1", "s0"]
    assert third["next_cursor"] is None
    tampered = agent.get(
        f"/api/v1/customers/{cid}/timeline", {"cursor": first["next_cursor"] + "x"}
    )
    assert tampered.status_code == 400

    c360 = agent.get(f"/api/v1/customers/{cid}/360").json()
    assert c360["last_time"]["last"]["summary"] == "s4"
    assert [r["summary"] for r in c360["recent_interactions"]] == ["s4", "s3", "s2", "s1", "s0"]


@pytest.mark.django_db
def test_duplicates_merge_and_undo_over_the_api(api):
    manager = api("manager")
    a = post(manager, "/api/v1/customers", {"phone": "13900000001", "name_cjk": "王芳"}).json()[
        "id"
    ]
    b = post(manager, "/api/v1/customers", {"phone": "13900000002", "name_cjk": "王芳"}).json()[
        "id"
    ]
    candidates = manager.get(f"/api/v1/customers/{a}/duplicates").json()["items"]
    assert [(c["customer_id"], c["reasons"]) for c in candidates] == [
        (b, ["same name in characters"])
    ]

    assert (
        post(api("agent"), f"/api/v1/customers/{a}/merge", {"duplicate_id": b}).status_code == 403
    )
    merged = post(manager, f"/api/v1/customers/{a}/merge", {"duplicate_id": b})
    assert merged.status_code == 201
    assert merged.json()["moved"]["customers.Identity"] == 1
    assert manager.get(f"/api/v1/customers/{b}").status_code == 404
    assert manager.get("/api/v1/customers/lookup", {"phone": "13900000002"}).json()["id"] == a

    undone = post(manager, f"/api/v1/merges/{merged.json()['id']}/undo", {})
    assert undone.status_code == 200
    assert undone.json()["undone_at"] is not None
    assert manager.get("/api/v1/customers/lookup", {"phone": "13900000002"}).json()["id"] == b
    assert post(manager, f"/api/v1/merges/{merged.json()['id']}/undo", {}).status_code == 400


@pytest.mark.django_db
def test_every_read_of_a_profile_is_in_the_audit_trail(api, staff_by_role):
    from heartline.core.models import AuditEntry

    agent = api("agent")
    cid = post(agent, "/api/v1/customers", {"phone": "13912345678"}).json()["id"]
    views = AuditEntry.objects.filter(action="view", object_id=str(cid))
    agent.get(f"/api/v1/customers/{cid}")
    agent.get("/api/v1/customers/lookup", {"phone": "13912345678"})
    agent.get(f"/api/v1/customers/{cid}/360")
    assert [(v.actor.username, v.channel, v.changes["fields"]) for v in views.order_by("id")] == [
        ("agent", "api", ["consent", "identities", "profile"]),
        ("agent", "api", ["consent", "identities", "profile"]),
        (
            "agent",
            "api",
            [
                "addresses",
                "consent",
                "identities",
                "moments",
                "notes",
                "profile",
                "relations",
                "timeline",
            ],
        ),
    ]


@pytest.mark.django_db
def test_consent_relations_and_addresses_over_the_api(api):
    agent = api("agent")
    wang = post(agent, "/api/v1/customers", {"phone": "13900000001", "name_cjk": "王芳"}).json()[
        "id"
    ]
    li = post(agent, "/api/v1/customers", {"phone": "13900000002", "name_cjk": "李娜"}).json()["id"]
    granted = post(
        agent,
        f"/api/v1/customers/{wang}/consent",
        {"purpose": "marketing_sms", "granted": True, "source": "phone"},
    )
    assert granted.status_code == 201
    assert granted.json()["consent"]["marketing_sms"]["granted"] is True
    withdrawn = post(
        agent,
        f"/api/v1/customers/{wang}/consent",
        {"purpose": "marketing_sms", "granted": False, "source": "sms"},
    )
    assert withdrawn.json()["consent"]["marketing_sms"]["granted"] is False
    assert (
        post(
            agent,
            f"/api/v1/customers/{wang}/consent",
            {"purpose": "spam", "granted": True, "source": "x"},
        ).status_code
        == 422
    )

    related = post(
        agent, f"/api/v1/customers/{wang}/relations", {"kind": "household", "other_id": li}
    )
    assert related.status_code == 201
    assert (
        post(
            agent, f"/api/v1/customers/{wang}/relations", {"kind": "household", "other_id": wang}
        ).status_code
        == 400
    )
    added = post(
        agent,
        f"/api/v1/customers/{wang}/addresses",
        {"text": "上海市黄浦区南京东路1号", "city": "上海"},
    )
    assert (added.status_code, added.json()["country"]) == (201, "CN")

    wang360 = agent.get(f"/api/v1/customers/{wang}/360").json()
    li360 = agent.get(f"/api/v1/customers/{li}/360").json()
    assert [(r["kind"], r["direction"], r["other_name"]) for r in wang360["relations"]] == [
        ("household", "out", "李娜")
    ]
    assert [(r["kind"], r["direction"], r["other_name"]) for r in li360["relations"]] == [
        ("household", "in", "王芳")
    ]
    assert [a["city"] for a in wang360["addresses"]] == ["上海"]


@pytest.mark.django_db
def test_create_tells_about_customers_with_a_similar_name(api):
    agent = api("agent")
    first = post(agent, "/api/v1/customers", {"phone": "13900000001", "name_cjk": "张伟"}).json()
    assert first["possible_duplicates"] == []
    second = post(agent, "/api/v1/customers", {"phone": "13900000002", "name_cjk": "張偉"}).json()
    assert second["possible_duplicates"] == [
        {
            "customer_id": first["id"],
            "display_name": "张伟",
            "score": 50,
            "reasons": ["same name in characters"],
        }
    ]
