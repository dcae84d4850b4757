"""The desk's inline editors: consent, moments, preferences, addresses, relations, identities and
the profile. Each write stores exactly what was posted and leaves one audit entry; a user without
the permission, a POST without the CSRF token and bad input change nothing (403, 403, 400 with
the message)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from heartline.core.models import AuditEntry, OutboxEvent
from heartline.customers import names, services
from heartline.customers.merge import customer_merge
from heartline.customers.models import (
    Address,
    ConsentEvent,
    Customer,
    Identity,
    Moment,
    Relation,
)
from heartline.customers.services import IdentityInput
from tests.web.test_csp import assert_safe_page, inline_problems

pytestmark = pytest.mark.django_db


def make_customer(kind: str = "phone", value: str = "13800138000", **profile: Any) -> Customer:
    return services.customer_create(
        actor=None, identities_in=[IdentityInput(kind, value)], **profile
    )


@pytest.fixture
def zhang() -> Customer:
    return make_customer(name_cjk="张伟", name_latin="Wei Zhang")


@pytest.fixture
def li() -> Customer:
    return make_customer("email", "li.na@example.com", name_cjk="李娜")


@pytest.fixture
def agent(staff_by_role):  # type: ignore[no-untyped-def]
    return staff_by_role["agent"]


@pytest.fixture
def desk(agent, client_for) -> Client:  # type: ignore[no-untyped-def]
    return client_for(agent)


def snapshot() -> dict[str, Any]:
    """Every row the editors may touch, and the count of write audit entries and events."""
    return {
        "customers": list(
            Customer.objects.order_by("id").values_list(
                "id", "kind", "name_cjk", "name_pinyin", "name_latin", "language", "tags"
            )
        ),
        "preferences": list(Customer.objects.order_by("id").values_list("preferences", flat=True)),
        "identities": list(Identity.objects.order_by("id").values_list()),
        "moments": list(Moment.objects.order_by("id").values_list()),
        "addresses": list(Address.objects.order_by("id").values_list()),
        "relations": list(Relation.objects.order_by("id").values_list("customer", "kind", "other")),
        "consents": list(ConsentEvent.objects.order_by("id").values_list()),
        "writes": AuditEntry.objects.exclude(action="view").count(),
        "events": OutboxEvent.objects.count(),
    }


def last_write() -> tuple[str, str, str, dict[str, Any], str]:
    entry = AuditEntry.objects.exclude(action="view").latest("id")
    return entry.actor_label, entry.object_type, entry.object_id, entry.changes, entry.channel


def writes_after(before: int) -> int:
    return AuditEntry.objects.exclude(action="view").count() - before


def url(customer: Customer, tail: str) -> str:
    return f"/customers/{customer.pk}/{tail}"


# --- consent ---------------------------------------------------------------------------------


def test_consent_decision_is_appended_exactly_and_audited(zhang, agent, desk) -> None:  # type: ignore[no-untyped-def]
    writes = AuditEntry.objects.exclude(action="view").count()
    response = desk.post(
        url(zhang, "consent/"),
        {
            "purpose": "marketing_email",
            "decision": "grant",
            "source": "phone",
            "evidence": "通话 #42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{zhang.pk}/#consent-section"
    assert list(
        ConsentEvent.objects.values_list(
            "customer", "purpose", "granted", "source", "evidence", "recorded_by"
        )
    ) == [(zhang.pk, "marketing_email", True, "phone", "通话 #42", agent.pk)]
    assert writes_after(writes) == 1
    assert last_write() == (
        "agent",
        "customers.customer",
        str(zhang.pk),
        {"consent.marketing_email": [None, True], "source": [None, "phone"]},
        "web",
    )
    assert OutboxEvent.objects.latest("id").type == "customer.consent_changed"


def test_withdrawal_shows_as_state_and_the_ledger_newest_first(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    post = {"purpose": "marketing_sms", "source": "store", "evidence": ""}
    assert desk.post(url(zhang, "consent/"), {**post, "decision": "grant"}).status_code == 302
    response = desk.post(
        url(zhang, "consent/"), {**post, "decision": "withdraw"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the section alone, swapped in place
    assert (
        'data-purpose="marketing_sms"><td>Marketing by SMS</td><td><span class="error">no' in html
    )
    assert "Consent recorded." in html
    ledger = re.findall(r'data-consent-id="(\d+)"', html)
    assert ledger == [
        str(pk) for pk in ConsentEvent.objects.order_by("-id").values_list("pk", flat=True)
    ]
    assert len(ledger) == 2
    assert list(ConsentEvent.objects.order_by("id").values_list("granted", flat=True)) == [
        True,
        False,
    ]
    page = desk.get(f"/customers/{zhang.pk}/").content.decode()
    assert "History (2)" in page
    assert "In person" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"purpose": "spam", "decision": "grant", "source": "phone"}, "purpose", "valid choice"),
        ({"purpose": "analytics", "source": "phone"}, "decision", "required"),
        ({"purpose": "analytics", "decision": "grant", "source": "<script>"}, "source", "valid"),
        (
            {"purpose": "analytics", "decision": "grant", "source": "phone", "evidence": "x" * 301},
            "evidence",
            "at most 300 characters",
        ),
        (
            {"purpose": "analytics", "decision": "grant", "source": "phone", "evidence": "a\x07b"},
            "evidence",
            "printable characters only",
        ),
        (
            {"purpose": "analytics", "decision": "grant", "source": "phone", "evidence": "a\x00b"},
            "evidence",
            "printable characters only",
        ),
    ],
)
def test_bad_consent_input_is_400_and_changes_nothing(zhang, desk, data, field, message) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    response = desk.post(url(zhang, "consent/"), data)
    assert response.status_code == 400
    assert list(response.context["consent_form"].errors) == [field]
    assert message in response.content.decode()
    assert snapshot() == before


# --- moments ---------------------------------------------------------------------------------


def test_birthday_without_year_then_removed(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    writes = AuditEntry.objects.exclude(action="view").count()
    response = desk.post(url(zhang, "moments/"), {"kind": "birthday", "month": "5", "day": "4"})
    assert response.status_code == 302
    moment = Moment.objects.get()
    assert (moment.customer_id, moment.kind, moment.label, moment.month, moment.day) == (
        zhang.pk,
        "birthday",
        "",
        5,
        4,
    )
    assert moment.year is None
    assert last_write()[3] == {"moments": [None, "birthday -----05-04"]}

    response = desk.post(url(zhang, f"moments/{moment.pk}/remove/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Date removed." in response.content.decode()
    assert Moment.objects.count() == 0
    assert last_write()[:4] == (
        "agent",
        "customers.customer",
        str(zhang.pk),
        {"moments": ["birthday -----05-04", None]},
    )
    assert writes_after(writes) == 2


def test_custom_date_with_year_and_29_february_without_year(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    desk.post(
        url(zhang, "moments/"),
        {"kind": "custom", "label": "第一次到店", "month": "3", "day": "8", "year": "2019"},
    )
    desk.post(url(zhang, "moments/"), {"kind": "anniversary", "month": "2", "day": "29"})
    assert list(
        Moment.objects.order_by("id").values_list("kind", "label", "month", "day", "year")
    ) == [("custom", "第一次到店", 3, 8, 2019), ("anniversary", "", 2, 29, None)]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "birthday", "month": "13", "day": "1"}, "month", "less than or equal to 12"),
        ({"kind": "birthday", "month": "2", "day": "30"}, "day", "does not exist in that month"),
        (
            {"kind": "birthday", "month": "2", "day": "29", "year": "2023"},
            "day",
            "does not exist in that month",
        ),
        ({"kind": "birthday", "month": "5", "day": "4", "year": "2099"}, "year", "in the future"),
        ({"kind": "custom", "month": "5", "day": "4"}, "label", "Say what the date is"),
        ({"kind": "birthday", "month": "five", "day": "4"}, "month", "whole number"),
        ({"kind": "wedding", "month": "5", "day": "4"}, "kind", "valid choice"),
        ({"kind": "birthday", "month": "5", "day": "99999999999999999999"}, "day", "less than"),
    ],
)
def test_bad_moment_is_400_and_changes_nothing(zhang, desk, data, field, message) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    response = desk.post(url(zhang, "moments/"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert list(response.context["moment_form"].errors) == [field]
    assert message in response.content.decode()
    assert snapshot() == before


def test_removing_another_customers_moment_is_404(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    theirs = services.moment_set(actor=None, customer=li, kind="birthday", month=1, day=2)
    before = snapshot()
    response = desk.post(url(zhang, f"moments/{theirs.pk}/remove/"))
    assert response.status_code == 404
    assert snapshot() == before


# --- preferences -----------------------------------------------------------------------------


def test_preferences_language_and_tags_are_stored_exactly(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    response = desk.post(
        url(zhang, "preferences/"),
        {
            "language": "zh-hans",
            "channel": "wechat",
            "contact_hours": "工作日 18:00–21:00",
            "sizes": "鞋 42, M",
            "styles": "简约，运动",
            "favourite_products": "绿茶",
            "notes": "",
            "tags": "VIP, 茶, VIP",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    zhang.refresh_from_db()
    expected = {
        "channel": "wechat",
        "contact_hours": "工作日 18:00–21:00",
        "sizes": ["鞋 42", "M"],
        "styles": ["简约", "运动"],
        "favourite_products": ["绿茶"],
    }
    assert (zhang.language, zhang.preferences, zhang.tags) == ("zh-hans", expected, ["VIP", "茶"])
    assert last_write()[3] == {
        "language": ["", "zh-hans"],
        "preferences": [{}, expected],
        "tags": [[], ["VIP", "茶"]],
    }
    html = response.content.decode()
    assert "Preferences saved." in html
    assert 'id="desk-profile" hx-swap-oob="true"' in html  # the tags at the top come along


def test_emptying_preferences_stores_an_empty_dict(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    services.customer_update(
        actor=None, customer=zhang, preferences={"channel": "sms"}, tags=["VIP"]
    )
    response = desk.post(url(zhang, "preferences/"), {"language": "", "channel": ""})
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.preferences, zhang.tags) == ({}, [])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"channel": "pigeon"}, "channel", "valid choice"),
        ({"language": "klingon"}, "language", "valid choice"),
        ({"tags": ",".join(f"t{i}" for i in range(51))}, "tags", "at most 50 entries"),
        ({"tags": "x" * 51}, "tags", "at most 50 characters"),
        ({"contact_hours": "9" * 101}, "contact_hours", "at most 100 characters"),
        ({"sizes": "M\u202eL"}, "sizes", "printable characters only"),
    ],
)
def test_bad_preferences_are_400_and_change_nothing(zhang, desk, data, field, message) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    response = desk.post(url(zhang, "preferences/"), data)
    assert response.status_code == 400
    assert list(response.context["preferences_form"].errors) == [field]
    assert message in response.content.decode()
    assert snapshot() == before


# --- addresses -------------------------------------------------------------------------------

ADDRESS = {
    "label": "家",
    "text": "朝阳区建国路88号3号楼1201",
    "city": "北京",
    "postcode": "100022",
    "country": "cn",
}


def test_address_added_changed_and_removed(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    assert desk.post(url(zhang, "addresses/"), ADDRESS).status_code == 302
    address = Address.objects.get()
    fields = ("customer", "label", "text", "city", "postcode", "country")
    assert Address.objects.values_list(*fields).get() == (
        zhang.pk,
        "家",
        "朝阳区建国路88号3号楼1201",
        "北京",
        "100022",
        "CN",
    )
    assert last_write()[3] == {"addresses": [None, "朝阳区建国路88号3号楼1201"]}

    response = desk.post(
        url(zhang, f"addresses/{address.pk}/"),
        {**ADDRESS, "city": "上海", "text": "浦东新区世纪大道100号"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert Address.objects.values_list("text", "city", "country").get() == (
        "浦东新区世纪大道100号",
        "上海",
        "CN",
    )
    assert last_write()[3] == {
        f"addresses.{address.pk}.city": ["北京", "上海"],
        f"addresses.{address.pk}.text": ["朝阳区建国路88号3号楼1201", "浦东新区世纪大道100号"],
    }

    assert desk.post(url(zhang, f"addresses/{address.pk}/remove/")).status_code == 302
    assert Address.objects.count() == 0
    assert last_write()[3] == {"addresses": ["浦东新区世纪大道100号", None]}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**ADDRESS, "text": ""}, "text", "This field is required"),
        ({**ADDRESS, "text": "路" * 301}, "text", "at most 300 characters"),
        ({**ADDRESS, "country": "CHN"}, "country", "at most 2 characters"),
        ({**ADDRESS, "country": "1!"}, "country", "two-letter country code"),
        ({**ADDRESS, "postcode": "<b>1</b>"}, "postcode", "letters, digits and spaces"),
        ({**ADDRESS, "text": "建国路\u202e88号"}, "text", "printable characters only"),
    ],
)
def test_bad_address_is_400_and_changes_nothing(zhang, desk, data, field, message) -> None:  # type: ignore[no-untyped-def]
    existing = services.address_add(actor=None, customer=zhang, text="旧地址")
    before = snapshot()
    for path, form in (
        ("addresses/", "address_form"),
        (f"addresses/{existing.pk}/", "address_edit"),
    ):
        response = desk.post(url(zhang, path), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 400, path
        shown = response.context[form]
        errors = (shown[1] if isinstance(shown, tuple) else shown).errors
        assert list(errors) == [field]
        assert message in response.content.decode()
    assert snapshot() == before


def test_another_customers_address_is_404(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    theirs = services.address_add(actor=None, customer=li, text="他们的地址")
    before = snapshot()
    assert desk.get(url(zhang, f"addresses/{theirs.pk}/")).status_code == 404
    assert desk.post(url(zhang, f"addresses/{theirs.pk}/"), ADDRESS).status_code == 404
    assert desk.post(url(zhang, f"addresses/{theirs.pk}/remove/")).status_code == 404
    assert snapshot() == before


# --- relations -------------------------------------------------------------------------------


def test_relation_picker_reuses_the_customer_search(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    response = desk.get(url(zhang, "relations/candidates/"), {"q": "李娜"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [c["id"] for c in response.context["candidates"]] == [li.pk]
    assert f'name="other" value="{li.pk}"' in response.content.decode()
    # the customer itself is never offered; without JavaScript the editor page lists them
    response = desk.get(url(zhang, "relations/"), {"q": "张伟"})
    assert response.status_code == 200
    assert response.context["candidates"] == []
    assert "Nothing found for “张伟”." in response.content.decode()


def test_household_relation_added_and_removed(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    response = desk.post(url(zhang, "relations/"), {"kind": "household", "other": str(li.pk)})
    assert response.status_code == 302
    relation = Relation.objects.get()
    assert (relation.customer_id, relation.kind, relation.other_id) == (
        zhang.pk,
        "household",
        li.pk,
    )
    assert last_write()[2:4] == (str(zhang.pk), {"relations": [None, f"household:{li.pk}"]})
    page = desk.get(f"/customers/{zhang.pk}/").content.decode()
    assert (
        f'<a href="/customers/{li.pk}/">李娜</a> <span class="muted">household member</span>'
        in page
    )

    response = desk.post(url(zhang, f"relations/{relation.pk}/remove/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Relation.objects.count() == 0
    assert last_write()[2:4] == (str(zhang.pk), {"relations": [f"household:{li.pk}", None]})


def test_employee_relation_is_stored_from_the_employer_side(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    """ "Zhang employs Li" is Li's relation "works for Zhang"; either page may remove it."""
    assert (
        desk.post(url(zhang, "relations/"), {"kind": "employee", "other": li.pk}).status_code == 302
    )
    relation = Relation.objects.get()
    assert (relation.customer_id, relation.kind, relation.other_id) == (li.pk, "employer", zhang.pk)
    assert last_write()[2:4] == (str(li.pk), {"relations": [None, f"employer:{zhang.pk}"]})
    assert desk.post(url(zhang, f"relations/{relation.pk}/remove/")).status_code == 302
    assert Relation.objects.count() == 0
    assert last_write()[2:4] == (str(li.pk), {"relations": [f"employer:{zhang.pk}", None]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "household"}, "Choose the other customer from the search results."),
        (
            {"kind": "household", "other": "abc"},
            "Choose the other customer from the search results.",
        ),
        ({"kind": "household", "other": "999999"}, "There is no such customer"),
        ({"kind": "household", "other": "SELF"}, "cannot be related to itself"),
        ({"kind": "enemy", "other": "LI"}, "valid choice"),
    ],
)
def test_bad_relation_is_400_and_changes_nothing(zhang, li, desk, data, message) -> None:  # type: ignore[no-untyped-def]
    data = {k: {"SELF": str(zhang.pk), "LI": str(li.pk)}.get(v, v) for k, v in data.items()}
    before = snapshot()
    response = desk.post(url(zhang, "relations/"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_unrelated_relation_cannot_be_removed(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    third = make_customer("member_no", "VIP-7", name_cjk="王芳")
    theirs = services.relation_add(actor=None, customer=li, kind="household", other=third)
    before = snapshot()
    assert desk.post(url(zhang, f"relations/{theirs.pk}/remove/")).status_code == 404
    assert snapshot() == before


# --- identities ------------------------------------------------------------------------------


def test_identities_added_normalised_and_removed(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    response = desk.post(
        url(zhang, "identities/"),
        {"kind": "email", "value": " Wei.Zhang@Example.COM ", "label": "work"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Identifier added." in response.content.decode()
    assert last_write()[3] == {"identities": [None, "+email:wei.zhang@example.com"]}
    desk.post(
        url(zhang, "identities/"), {"kind": "handle", "value": "weizhang88", "provider": "WeChat"}
    )
    assert list(
        zhang.identities.order_by("id").values_list("kind", "provider", "value", "label")
    ) == [
        ("phone", "", "+8613800138000", ""),
        ("email", "", "wei.zhang@example.com", "work"),
        ("handle", "wechat", "weizhang88", ""),
    ]
    phone = zhang.identities.get(kind="phone")
    assert desk.post(url(zhang, f"identities/{phone.pk}/remove/")).status_code == 302
    assert last_write()[3] == {"identities": ["phone:+8613800138000", None]}
    assert zhang.identities.count() == 2


def test_taken_identifier_names_and_links_the_other_customer(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    response = desk.post(
        url(zhang, "identities/"),
        {"kind": "email", "value": "LI.NA@example.com"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f'This identifier already belongs to <a href="/customers/{li.pk}/" '
        'data-testid="taken-link">李娜</a>.' in html
    )
    assert snapshot() == before


def test_the_last_identifier_cannot_be_removed(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    only = zhang.identities.get()
    before = snapshot()
    response = desk.post(url(zhang, f"identities/{only.pk}/remove/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "This is the customer&#x27;s only identifier, and one is required." in (
        response.content.decode()
    )
    assert snapshot() == before
    response = desk.post(url(zhang, f"identities/{only.pk}/remove/"))  # without JavaScript
    assert response.status_code == 400
    assert "<html" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "phone", "value": "12345"}, "value", "not a valid phone number"),
        ({"kind": "email", "value": "not-an-address"}, "value", "valid email"),
        ({"kind": "fax", "value": "123"}, "kind", "valid choice"),
        ({"kind": "handle", "value": "weizhang"}, "provider", "Say where the handle is"),
        ({"kind": "phone", "value": "13900139000", "provider": "x"}, "provider", "Only a handle"),
        ({"kind": "member_no", "value": "M" * 255}, "value", "at most 254 characters"),
        ({"kind": "handle", "value": "a", "provider": "<b>"}, "provider", "letters, digits"),
    ],
)
def test_bad_identifier_is_400_and_changes_nothing(zhang, desk, data, field, message) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    response = desk.post(url(zhang, "identities/"), data)
    assert response.status_code == 400
    assert list(response.context["identity_form"].errors) == [field]
    assert message in response.content.decode()
    assert snapshot() == before


def test_another_customers_identifier_is_404(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    services.identity_add(actor=None, customer=li, item=IdentityInput("phone", "13900139000"))
    theirs = li.identities.first()
    before = snapshot()
    assert desk.post(url(zhang, f"identities/{theirs.pk}/remove/")).status_code == 404
    assert snapshot() == before


# --- profile ---------------------------------------------------------------------------------


def test_profile_becomes_an_organisation_with_derived_pinyin(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    response = desk.post(
        url(zhang, "profile/"),
        {
            "kind": "organisation",
            "name_cjk": "华联超市",
            "name_pinyin": zhang.name_pinyin,  # unchanged: derived again from the new name
            "name_latin": "Hualian Supermarket",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    zhang.refresh_from_db()
    pinyin = names.pinyin_of("华联超市")
    assert (zhang.kind, zhang.name_cjk, zhang.name_pinyin, zhang.name_latin) == (
        "organisation",
        "华联超市",
        pinyin,
        "Hualian Supermarket",
    )
    assert last_write()[3] == {
        "kind": ["person", "organisation"],
        "name_cjk": ["张伟", "华联超市"],
        "name_latin": ["Wei Zhang", "Hualian Supermarket"],
        "name_pinyin": ["Zhāng Wěi", pinyin],
    }
    html = response.content.decode()
    assert '<h1 data-testid="customer-name">华联超市</h1>' in html  # the heading, out of band


def test_profile_keeps_a_pinyin_that_was_typed(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    data = {"kind": "person", "name_cjk": "单丽", "name_pinyin": "Shàn Lì", "name_latin": ""}
    assert desk.post(url(zhang, "profile/"), data).status_code == 302
    zhang.refresh_from_db()
    assert (zhang.name_cjk, zhang.name_pinyin, zhang.name_latin) == ("单丽", "Shàn Lì", "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "emperor"}, "kind", "valid choice"),
        ({"kind": "person", "name_cjk": "张" * 101}, "name_cjk", "at most 100 characters"),
        ({"kind": "person", "name_latin": "Wei\x1bZhang"}, "name_latin", "printable"),
    ],
)
def test_bad_profile_is_400_and_changes_nothing(zhang, desk, data, field, message) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    response = desk.post(url(zhang, "profile/"), data)
    assert response.status_code == 400
    assert list(response.context["profile_form"].errors) == [field]
    assert message in response.content.decode()
    assert snapshot() == before


# --- every editor: permission, CSRF, GET, unknown customer -----------------------------------

WRITES = [
    ("profile/", {"kind": "organisation", "name_cjk": "华联"}),
    ("preferences/", {"language": "en", "tags": "VIP"}),
    ("consent/", {"purpose": "analytics", "decision": "grant", "source": "phone"}),
    ("moments/", {"kind": "birthday", "month": "5", "day": "4"}),
    ("moments/MOMENT/remove/", {}),
    ("identities/", {"kind": "email", "value": "z@example.com"}),
    ("identities/IDENTITY/remove/", {}),
    ("addresses/", {"text": "建国路88号", "country": "CN"}),
    ("addresses/ADDRESS/", {"text": "建国路99号", "country": "CN"}),
    ("addresses/ADDRESS/remove/", {}),
    ("relations/", {"kind": "household", "other": "LI"}),
    ("relations/RELATION/remove/", {}),
]
EDITORS = ["profile/", "preferences/", "consent/", "moments/", "identities/", "addresses/"]
EDITORS += ["relations/", "relations/candidates/?q=li", "addresses/ADDRESS/"]


@pytest.fixture
def rows(zhang, li) -> dict[str, str]:  # type: ignore[no-untyped-def]
    services.identity_add(actor=None, customer=zhang, item=IdentityInput("member_no", "M-1"))
    return {
        "MOMENT": str(
            services.moment_set(
                actor=None, customer=zhang, kind="custom", label="x", month=1, day=1
            ).pk
        ),
        "IDENTITY": str(zhang.identities.get(kind="member_no").pk),
        "ADDRESS": str(services.address_add(actor=None, customer=zhang, text="旧地址").pk),
        "RELATION": str(
            services.relation_add(actor=None, customer=zhang, kind="referred_by", other=li).pk
        ),
        "LI": str(li.pk),
    }


def fill(text: str, rows: dict[str, str]) -> str:
    for key, value in rows.items():
        text = text.replace(key, value)
    return text


@pytest.mark.parametrize(("tail", "data"), WRITES, ids=[w[0] for w in WRITES])
def test_every_write_works_for_an_agent(zhang, rows, desk, tail, data) -> None:  # type: ignore[no-untyped-def]
    writes = AuditEntry.objects.exclude(action="view").count()
    response = desk.post(url(zhang, fill(tail, rows)), {k: fill(v, rows) for k, v in data.items()})
    assert response.status_code == 302
    assert writes_after(writes) == 1


@pytest.mark.parametrize(("tail", "data"), WRITES, ids=[w[0] for w in WRITES])
def test_without_the_permission_403_and_nothing_changes(  # type: ignore[no-untyped-def]
    zhang, rows, staff_by_role, client_for, tail, data
) -> None:
    analyst = client_for(staff_by_role["analyst"])  # the one role without customers.edit
    before = snapshot()
    path = url(zhang, fill(tail, rows))
    assert analyst.post(path, {k: fill(v, rows) for k, v in data.items()}).status_code == 403
    assert analyst.get(path).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize(("tail", "data"), WRITES, ids=[w[0] for w in WRITES])
def test_without_the_csrf_token_refused_and_nothing_changes(zhang, rows, agent, tail, data) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = snapshot()
    path = url(zhang, fill(tail, rows))
    response = client.post(path, {k: fill(v, rows) for k, v in data.items()})
    assert response.status_code == 403
    assert snapshot() == before


def test_the_editor_form_carries_its_csrf_token(zhang, agent) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    page = client.get(url(zhang, "consent/")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        url(zhang, "consent/"),
        {
            "csrfmiddlewaretoken": token.group(1),
            "purpose": "profiling",
            "decision": "withdraw",
            "source": "paper",
        },
    )
    assert response.status_code == 302
    assert list(ConsentEvent.objects.values_list("purpose", "granted", "source")) == [
        ("profiling", False, "paper")
    ]


@pytest.mark.parametrize("tail", EDITORS)
def test_every_editor_opens_in_place_and_as_a_page(zhang, rows, desk, tail) -> None:  # type: ignore[no-untyped-def]
    path = url(zhang, fill(tail, rows))
    partial = desk.get(path, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert inline_problems(partial.content.decode()) == []
    page = desk.get(path)
    assert page.status_code == 200
    if "candidates" not in tail:
        assert_safe_page(page, signed_in=True)
        html = page.content.decode()
        assert "<html" in html
        assert 'data-testid="back-to-customer"' in html
        assert 'name="csrfmiddlewaretoken"' in html


def test_done_closes_the_editor(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    response = desk.get(url(zhang, "consent/"), {"view": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="consent-edit"' in html
    assert "<form" not in html


def test_unknown_or_merged_customer_is_404(zhang, li, desk) -> None:  # type: ignore[no-untyped-def]
    assert desk.get("/customers/999999/consent/").status_code == 404
    customer_merge(actor=None, survivor=zhang, duplicate=li)
    before = snapshot()
    data = {"purpose": "analytics", "decision": "grant", "source": "phone"}
    assert desk.post(url(li, "consent/"), data).status_code == 404
    assert snapshot() == before


def test_desk_shows_an_edit_link_per_section(zhang, desk) -> None:  # type: ignore[no-untyped-def]
    html = desk.get(f"/customers/{zhang.pk}/").content.decode()
    for key in ("moments", "identities", "preferences", "addresses", "relations", "consent"):
        assert f'data-testid="{key}-edit"' in html, key
        assert f'hx-get="/customers/{zhang.pk}/{key}/"' in html, key
    assert 'data-testid="profile-edit"' in html


def test_desk_and_editors_render_in_simplified_chinese(zhang, rows, desk) -> None:  # type: ignore[no-untyped-def]
    desk.cookies["django_language"] = "zh-hans"
    services.consent_record(
        actor=None, customer=zhang, purpose="marketing_email", granted=True, source="web"
    )
    response = desk.get(f"/customers/{zhang.pk}/")
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in response.content.decode()
    for tail in EDITORS:
        assert desk.get(url(zhang, fill(tail, rows))).status_code == 200, tail
    bad = desk.post(url(zhang, "moments/"), {"kind": "birthday", "month": "2", "day": "30"})
    assert bad.status_code == 400
