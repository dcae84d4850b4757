"""The page of the periodic duplicate scan: open pairs ranked by score, both customers side by
side, reasons in the reader's language, filter, keyset pages, "not a duplicate" (written,
audited, never proposed again), 403 without customers.merge, CSRF, 400 on bad input."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.core.models import AuditEntry
from heartline.customers import services
from heartline.customers.models import Customer, DuplicatePair
from heartline.customers.services import IdentityInput
from heartline.customers.tasks import scan_duplicates_now
from heartline.web.views.customers import duplicate_pairs as page_module

pytestmark = pytest.mark.django_db
URL = "/customers/duplicates/"


def _person(phone: str, **profile: Any) -> Customer:
    return services.customer_create(
        actor=None, identities_in=[IdentityInput("phone", phone)], **profile
    )


@pytest.fixture
def found() -> dict[str, Any]:
    """Seven customers, five pairs: 75 (name + birthday), three 李娜 at 50, 45 (Latin name)."""
    wang1 = _person("13900000001", name_cjk="王芳")
    wang2 = _person("13900000002", name_cjk="王芳")
    for wang in (wang1, wang2):
        services.moment_set(actor=None, customer=wang, kind="birthday", month=3, day=14)
    services.identity_add(
        actor=None, customer=wang2, item=IdentityInput("email", "fang.wang@example.com")
    )
    li1 = _person("13900000003", name_cjk="李娜")
    li2 = _person("13900000004", name_cjk="李娜")
    wei1 = _person("13900000005", name_latin="Wei Zhang")
    wei2 = _person("13900000006", name_latin="Zhang Wei")
    li3 = _person("13900000007", name_cjk="李娜")
    scan = scan_duplicates_now()

    def pair(low: Customer, high: Customer) -> DuplicatePair:
        return DuplicatePair.objects.get(low=low, high=high)

    return {
        "scan": scan,
        "wang": (wang1, wang2),
        "order": [
            pair(wang1, wang2),
            pair(li1, li2),
            pair(li1, li3),
            pair(li2, li3),
            pair(wei1, wei2),
        ],
    }


def _shown(response: Any) -> list[tuple[int, int, int, int, list[str]]]:
    return [
        (row.id, row.score, row.low.id, row.high.id, row.reasons)
        for row, _lines in response.context["pairs"]
    ]


def _expected(pairs: list[DuplicatePair]) -> list[tuple[int, int, int, int, list[str]]]:
    reasons = {
        75: ["same name in characters", "same birthday"],
        50: ["same name in characters"],
        45: ["similar name (100%)"],
    }
    return [(p.pk, p.score, p.low_id, p.high_id, reasons[p.score]) for p in pairs]


def test_open_pairs_ranked_by_score_with_both_customers_side_by_side(
    found, staff_by_role, client_for
) -> None:  # type: ignore[no-untyped-def]
    manager = staff_by_role["manager"]
    response = client_for(manager).get(URL)
    assert response.status_code == 200
    assert [p.score for p in found["order"]] == [75, 50, 50, 50, 45]
    assert _shown(response) == _expected(found["order"])
    assert response.context["open_count"] == 5
    assert response.context["next_query"] == ""

    wang1, wang2 = (Customer.objects.get(pk=c.pk) for c in found["wang"])
    since = timezone.localdate().isoformat()
    _row, lines = response.context["pairs"][0]
    assert lines == [
        ("Other names", wang1.name_pinyin, wang2.name_pinyin, True),
        ("Kind", "Person", "Person", False),
        ("Phones", "+86 139 0000 0001", "+86 139 0000 0002", False),
        ("E-mail addresses", "", "fang.wang@example.com", False),
        ("Birthday", "03-14", "03-14", True),
        ("Customer since", since, since, False),
    ]
    html = response.content.decode()
    assert f'href="/customers/{wang1.pk}/merge/{wang2.pk}/"' in html  # review & merge
    assert f'action="/customers/duplicates/{found["order"][0].pk}/dismiss/"' in html
    scan = found["scan"]
    assert (scan.scanned, scan.found) == (7, 5)
    at = timezone.localtime(scan.finished_at).strftime("%Y-%m-%d %H:%M")
    assert f"Last scan {at}: 7 customers looked at, 5 new pairs found." in html

    view = AuditEntry.objects.filter(actor=manager, action="view").get()
    assert (view.object_type, view.object_label) == ("customers.customer", "duplicate pairs")
    assert view.changes == {
        "fields": ["addresses", "identities", "moments", "profile"],
        "customers": sorted(Customer.objects.values_list("pk", flat=True)),
    }


def test_the_page_reads_in_a_fixed_number_of_queries(found, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    client.get(URL)  # the session and the user are loaded the same way on every request
    counts = []
    for min_score in (75, 0):  # one pair, then five
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"min_score": min_score}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_reasons_are_shown_in_the_readers_language(found, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    client.cookies["django_language"] = "zh-hans"
    response = client.get(URL)
    assert [row.reasons for row, _lines in response.context["pairs"]] == [
        ["中文姓名相同", "生日相同"],
        ["中文姓名相同"],
        ["中文姓名相同"],
        ["中文姓名相同"],
        ["姓名相似（100%）"],
    ]
    # stored as the English source text whatever language the scan ran in
    assert DuplicatePair.objects.get(pk=found["order"][0].pk).reasons == [
        "same name in characters",
        "same birthday",
    ]


def test_minimum_score_filter(found, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    response = client.get(URL, {"min_score": "50"})
    assert response.status_code == 200
    assert _shown(response) == _expected(found["order"][:4])
    assert response.context["open_count"] == 4
    assert _shown(client.get(URL, {"min_score": "76"})) == []
    assert "No open pairs" in client.get(URL, {"min_score": "76"}).content.decode()


def test_keyset_pages_across_equal_scores(found, staff_by_role, client_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(page_module, "PAGE_SIZE", 2)
    client = client_for(staff_by_role["manager"])
    order = found["order"]
    seen = []
    query: dict[str, str] = {"min_score": "45"}
    pages = 0
    while True:
        response = client.get(URL, query)
        assert response.status_code == 200
        seen.append(_shown(response))
        pages += 1
        if not response.context["next_query"]:
            break
        query = dict(item.split("=") for item in response.context["next_query"].split("&"))
    assert seen == [_expected(order[:2]), _expected(order[2:4]), _expected(order[4:])]
    assert pages == 3
    first = client.get(URL, {"min_score": "45"})
    assert first.context["next_query"] == f"min_score=45&after=50.{order[1].pk}"
    assert 'data-testid="pairs-next"' in first.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"min_score": "abc"},
        {"min_score": "101"},
        {"min_score": "-1"},
        {"after": "x"},
        {"after": "101.1"},
        {"after": "50.0"},
        {"after": "50"},
    ],
)
def test_bad_filter_or_cursor_is_400(found, staff_by_role, client_for, query) -> None:  # type: ignore[no-untyped-def]
    views_before = AuditEntry.objects.filter(action="view").count()
    response = client_for(staff_by_role["manager"]).get(URL, query)
    assert response.status_code == 400
    assert response.context["pairs"] == []
    assert AuditEntry.objects.filter(action="view").count() == views_before


def test_not_a_duplicate_is_written_audited_and_never_proposed_again(
    found, staff_by_role, client_for
) -> None:  # type: ignore[no-untyped-def]
    manager = staff_by_role["manager"]
    client = client_for(manager)
    pair = found["order"][1]
    before = timezone.now()
    response = client.post(f"/customers/duplicates/{pair.pk}/dismiss/", {"min_score": "50"})
    assert response.status_code == 302
    assert response["Location"] == "/customers/duplicates/?min_score=50"
    pair.refresh_from_db()
    assert pair.dismissed_by == manager
    assert pair.dismissed_at is not None
    assert pair.dismissed_at >= before
    entry = AuditEntry.objects.filter(object_type="customers.duplicatepair").get()
    assert (entry.actor, entry.action, entry.object_id, entry.changes, entry.channel) == (
        manager,
        "update",
        str(pair.pk),
        {"dismissed": [False, True]},
        "web",
    )
    remaining = [p for p in found["order"] if p.pk != pair.pk]
    assert _shown(client.get(URL)) == _expected(remaining)

    # Dismissing again changes nothing; htmx gets an empty answer (the page drops the pair).
    again = client.post(f"/customers/duplicates/{pair.pk}/dismiss/", HTTP_HX_REQUEST="true")
    assert (again.status_code, again.content) == (200, b"")
    assert AuditEntry.objects.filter(object_type="customers.duplicatepair").count() == 1

    # Both customers change and the scan runs again: the pair stays dismissed and hidden.
    Customer.objects.filter(pk__in=[pair.low_id, pair.high_id]).update(
        updated_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    rescan = scan_duplicates_now()
    assert rescan.scanned == 2
    pair.refresh_from_db()
    assert pair.dismissed_by == manager
    assert _shown(client.get(URL)) == _expected(remaining)


def test_dismiss_bad_input_is_4xx_and_changes_nothing(found, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    pair = found["order"][0]
    audit_before = AuditEntry.objects.count()
    url = f"/customers/duplicates/{pair.pk}/dismiss/"
    assert client.post(url, {"min_score": "x"}).status_code == 400
    assert client.post("/customers/duplicates/999999/dismiss/").status_code == 404
    assert client.get(url).status_code == 405
    assert DuplicatePair.objects.filter(dismissed_at__isnull=False).count() == 0
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("role", ["agent", "sales", "marketing", "analyst"])
def test_roles_without_customers_merge_get_403_and_change_nothing(
    found, staff_by_role, client_for, role
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role[role])
    pair = found["order"][0]
    audit_before = AuditEntry.objects.count()
    assert client.get(URL).status_code == 403
    assert client.post(f"/customers/duplicates/{pair.pk}/dismiss/").status_code == 403
    assert DuplicatePair.objects.filter(dismissed_at__isnull=False).count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert 'data-nav="duplicates"' not in client.get("/").content.decode()


def test_navigation_shows_the_page_to_roles_with_customers_merge(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    for role in ("admin", "manager"):
        home = client_for(staff_by_role[role]).get("/").content.decode()
        assert 'href="/customers/duplicates/" data-nav="duplicates"' in home, role


def test_dismiss_needs_the_csrf_token(found, staff_by_role) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_by_role["manager"])
    pair = found["order"][0]
    url = f"/customers/duplicates/{pair.pk}/dismiss/"
    assert client.post(url).status_code == 403
    assert DuplicatePair.objects.get(pk=pair.pk).dismissed_at is None

    client.get(URL)  # sets the CSRF cookie, as the page does for its forms
    token = client.cookies["csrftoken"].value
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert DuplicatePair.objects.get(pk=pair.pk).dismissed_at is not None


def test_before_the_first_scan(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    html = client_for(staff_by_role["manager"]).get(URL).content.decode()
    assert "The hourly scan has not run yet." in html
    assert "No open pairs: nothing to review." in html
    assert AuditEntry.objects.filter(action="view").count() == 0
