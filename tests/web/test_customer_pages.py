"""The customer pages: list and search, new customer, the 360 desk, duplicates and merge,
import and export. Real database, exact assertions, the 400 paths for bad input."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from heartline.core.models import AuditEntry
from heartline.customers import services
from heartline.customers.merge import customer_merge
from heartline.customers.models import Customer, Identity, Merge, Moment, Note
from heartline.customers.services import IdentityInput
from heartline.timeline.models import Interaction
from heartline.timeline.services import interaction_record

pytestmark = pytest.mark.django_db


def make_customer(phone: str = "13800138000", **profile: object) -> Customer:
    return services.customer_create(
        actor=None, identities_in=[IdentityInput("phone", phone)], **profile
    )


@pytest.fixture
def zhang() -> Customer:
    return make_customer(name_cjk="张伟", name_latin="Wei Zhang")


# --- list and search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["138 0013 8000", "+86 138-0013-8000", "张伟", "zhang wei", "Zhāng Wěi"]
)
def test_search_finds_by_phone_and_name(zhang, staff_by_role, client_for, q) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).get("/customers/", {"q": q})
    assert response.status_code == 200
    assert [h["id"] for h in response.context["hits"]] == [zhang.pk]
    html = response.content.decode()
    assert f'href="/customers/{zhang.pk}/"' in html
    assert "+86 138 0013 8000" in html


def test_search_htmx_answers_the_results_partial(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).get(
        "/customers/", {"q": "zhangwei"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert [h["matched"] for h in response.context["hits"]] == ["pinyin"]


def test_new_customer_button_only_for_editors(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    # Every role that may see customers may also create them (marketing imports lead lists).
    for role in ("admin", "manager", "agent", "sales", "marketing"):
        page = client_for(staff_by_role[role]).get("/customers/").content.decode()
        assert 'href="/customers/new/"' in page, role
    assert client_for(staff_by_role["analyst"]).get("/customers/").status_code == 403


def test_global_search_has_a_customers_group(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).get(
        "/search/", {"q": "138 0013 8000"}, HTTP_HX_REQUEST="true"
    )
    groups = {g.key: g for g in response.context["groups"]}
    assert [h.url for h in groups["customers"].hits] == [f"/customers/{zhang.pk}/"]


# --- new customer ----------------------------------------------------------------------------


def test_agent_creates_customer_with_one_identifier_and_birthday(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    before = AuditEntry.objects.filter(object_type="customers.customer").count()
    response = client_for(staff_by_role["agent"]).post(
        "/customers/new/",
        {
            "phone": "138 0013 8000",
            "kind": "person",
            "name_cjk": "单丽",
            "birthday_month": "5",
            "birthday_day": "4",
            "tags": "vip, 茶",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert list(customer.identities.values_list("kind", "value")) == [("phone", "+8613800138000")]
    assert (customer.name_cjk, customer.name_pinyin, customer.tags) == (
        "单丽",
        "Shàn Lì",
        ["vip", "茶"],
    )
    assert list(Moment.objects.values_list("kind", "month", "day", "year")) == [
        ("birthday", 5, 4, None)
    ]
    assert AuditEntry.objects.filter(object_type="customers.customer").count() == before + 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "person", "name_cjk": "张三"}, "__all__"),
        ({"kind": "person", "phone": "12345"}, "phone"),
        ({"kind": "person", "email": "not-an-address"}, "email"),
        (
            {"kind": "person", "phone": "13800138000", "birthday_month": "2", "birthday_day": "30"},
            "birthday_day",
        ),
        (
            {"kind": "person", "phone": "13800138000", "birthday_month": "13", "birthday_day": "1"},
            "birthday_month",
        ),
        ({"kind": "person", "phone": "13800138000", "birthday_month": "5"}, "birthday_day"),
        ({"kind": "emperor", "phone": "13800138000"}, "kind"),
    ],
)
def test_new_customer_errors_are_400(staff_by_role, client_for, data, field) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).post("/customers/new/", data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert Customer.objects.count() == 0


def test_taken_identifier_links_to_its_customer(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).post(
        "/customers/new/", {"kind": "person", "phone": "+86 138 0013 8000", "name_cjk": "李四"}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["phone"]
    assert f'href="/customers/{zhang.pk}/" data-testid="taken-link"' in response.content.decode()
    assert Customer.objects.count() == 1


def test_analyst_cannot_create(staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["analyst"]).post(
        "/customers/new/", {"kind": "person", "phone": "13800138000"}
    )
    assert response.status_code == 403
    assert Customer.objects.count() == 0


# --- the 360 ---------------------------------------------------------------------------------


def test_desk_shows_the_360_and_audits_the_view(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    soon = datetime.date.today() + datetime.timedelta(days=5)
    services.moment_set(actor=None, customer=zhang, kind="birthday", month=soon.month, day=soon.day)
    services.note_add(actor=None, customer=zhang, text="Prefers green tea 绿茶", pinned=True)
    services.consent_record(
        actor=None, customer=zhang, purpose="marketing_sms", granted=False, source="phone"
    )
    interaction_record(
        actor=None,
        customer=zhang,
        channel="phone",
        direction="in",
        topic="Delivery delayed",
        summary="Parcel late; promised a call back.",
        follow_up="Call back about the parcel",
        follow_up_due=datetime.date(2030, 1, 2),
    )
    agent = staff_by_role["agent"]
    views = AuditEntry.objects.filter(action="view", object_id=str(zhang.pk))
    response = client_for(agent).get(f"/customers/{zhang.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    for text in (
        "张伟",
        "Zhāng Wěi",
        "Wei Zhang",
        "+86 138 0013 8000",
        "Birthday in 5 days",
        "Prefers green tea 绿茶",
        "Delivery delayed",
        "Call back about the parcel",
        "2030-01-02",
    ):
        assert text in html, text
    assert (
        'data-purpose="marketing_sms"><td>Marketing by SMS</td><td><span class="error">no' in html
    )
    assert views.count() == 1
    assert views.get().actor_id == agent.pk


def test_merged_away_customer_shows_only_the_link(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    other = make_customer("13900139000", name_cjk="张伟")
    customer_merge(actor=None, survivor=zhang, duplicate=other)
    response = client_for(staff_by_role["agent"]).get(f"/customers/{other.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert f'href="/customers/{zhang.pk}/" data-testid="merged-into"' in html
    assert "+86 139 0013 9000" not in html
    assert client_for(staff_by_role["agent"]).get("/customers/999999/").status_code == 404


def test_note_added_with_htmx_rerenders_notes(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    agent = staff_by_role["agent"]
    response = client_for(agent).post(
        f"/customers/{zhang.pk}/notes/",
        {"text": "Allergic to peanuts", "pinned": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    note = Note.objects.get()
    assert (note.text, note.pinned, note.author_id, note.customer_id) == (
        "Allergic to peanuts",
        True,
        agent.pk,
        zhang.pk,
    )
    html = response.content.decode()
    assert html.startswith('<section class="card" id="notes">')
    assert "Allergic to peanuts" in html
    assert AuditEntry.objects.filter(object_type="customers.note", action="create").count() == 1


def test_empty_note_is_400_and_writes_nothing(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).post(
        f"/customers/{zhang.pk}/notes/", {"text": "  "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Note.objects.count() == 0
    analyst = client_for(staff_by_role["analyst"]).post(
        f"/customers/{zhang.pk}/notes/", {"text": "x"}
    )
    assert analyst.status_code == 403
    assert Note.objects.count() == 0


def test_record_interaction(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    agent = staff_by_role["agent"]
    client = client_for(agent)
    response = client.post(
        f"/customers/{zhang.pk}/interactions/",
        {
            "channel": "store",
            "direction": "in",
            "topic": "Returned shoes",
            "summary": "Size too small",
            "follow_up": "Call when size 39 arrives",
            "follow_up_due": "2030-03-01",
        },
    )
    assert response.status_code == 302
    row = Interaction.objects.get()
    assert (row.channel, row.topic, row.staff_id, row.follow_up_due) == (
        "store",
        "Returned shoes",
        agent.pk,
        datetime.date(2030, 3, 1),
    )
    bad = client.post(
        f"/customers/{zhang.pk}/interactions/",
        {"channel": "pigeon", "direction": "in", "summary": "x", "follow_up_due": "2030-13-01"},
    )
    assert bad.status_code == 400
    assert sorted(bad.context["interaction_form"].errors) == ["channel", "follow_up_due"]
    assert Interaction.objects.count() == 1


def test_timeline_more_loads_older_rows_by_keyset(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now() - datetime.timedelta(days=30)
    for n in range(13):
        interaction_record(
            actor=None,
            customer=zhang,
            channel="chat",
            direction="in",
            topic=f"topic-{n:02d}",
            occurred_at=start + datetime.timedelta(hours=n),
        )
    client = client_for(staff_by_role["agent"])
    desk = client.get(f"/customers/{zhang.pk}/")
    shown = [r["topic"] for r in desk.context["recent_interactions"]]
    assert shown == [f"topic-{n:02d}" for n in range(12, 2, -1)]
    cursor = desk.context["more_cursor"]
    more = client.get(
        f"/customers/{zhang.pk}/timeline/",
        {"before_at": cursor["occurred_at"].isoformat(), "before_id": cursor["id"]},
        HTTP_HX_REQUEST="true",
    )
    assert more.status_code == 200
    assert [r["topic"] for r in more.context["rows"]] == ["topic-02", "topic-01", "topic-00"]
    assert more.context["more_cursor"] is None
    bad = client.get(f"/customers/{zhang.pk}/timeline/", {"before_at": "yesterday"})
    assert bad.status_code == 400


# --- duplicates and merge --------------------------------------------------------------------


def test_duplicates_and_merge_then_undo(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    other = make_customer("13900139000", name_cjk="张伟", name_latin="David Zhang")
    agent_page = client_for(staff_by_role["agent"]).get(f"/customers/{zhang.pk}/duplicates/")
    assert [c.customer_id for c in agent_page.context["candidates"]] == [other.pk]
    assert "Compare and merge" not in agent_page.content.decode()
    manager = client_for(staff_by_role["manager"])
    page = manager.get(f"/customers/{zhang.pk}/duplicates/")
    assert f'href="/customers/{zhang.pk}/merge/{other.pk}/"' in page.content.decode()
    form = manager.get(f"/customers/{zhang.pk}/merge/{other.pk}/")
    assert form.status_code == 200
    assert "David Zhang" in form.content.decode()

    response = manager.post(
        f"/customers/{zhang.pk}/merge/{other.pk}/",
        {
            "kind": "survivor",
            "name_cjk": "survivor",
            "name_pinyin": "survivor",
            "name_latin": "duplicate",
            "language": "survivor",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{zhang.pk}/"
    merge = Merge.objects.get()
    zhang.refresh_from_db()
    other.refresh_from_db()
    assert (zhang.name_latin, other.merged_into_id) == ("David Zhang", zhang.pk)
    assert Identity.objects.filter(customer=zhang).count() == 2
    desk = manager.get(f"/customers/{zhang.pk}/").content.decode()
    assert f'action="/merges/{merge.pk}/undo/"' in desk
    assert (
        f'action="/merges/{merge.pk}/undo/"'
        not in manager.get(f"/customers/{zhang.pk}/").content.decode()
    )

    undo = manager.post(f"/merges/{merge.pk}/undo/")
    assert undo.status_code == 302
    other.refresh_from_db()
    zhang.refresh_from_db()
    assert (other.merged_into_id, zhang.name_latin) == (None, "Wei Zhang")
    assert Identity.objects.filter(customer=zhang).count() == 1
    again = manager.post(f"/merges/{merge.pk}/undo/", follow=True)
    assert "already been undone" in again.content.decode()


def test_agent_cannot_merge(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    other = make_customer("13900139000", name_cjk="张伟")
    response = client_for(staff_by_role["agent"]).post(f"/customers/{zhang.pk}/merge/{other.pk}/")
    assert response.status_code == 403
    assert Merge.objects.count() == 0


def test_merge_with_bad_choice_is_400(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    other = make_customer("13900139000", name_cjk="张伟")
    response = client_for(staff_by_role["manager"]).post(
        f"/customers/{zhang.pk}/merge/{other.pk}/", {"kind": "both"}
    )
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    assert Merge.objects.count() == 0


# --- import ----------------------------------------------------------------------------------

CSV = (
    "Phone,Chinese name,Birthday\n"
    "13800138000,张伟,1990-05-04\n"
    "not a phone,李四,\n"
    "13900139000,王五,05-30\n"
).encode()


@pytest.fixture
def media(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "imports"


def test_csv_import_with_mapping_dry_run_then_real(media, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    upload = client.post(
        "/customers/import/", {"file": SimpleUploadedFile("people.csv", CSV, "text/csv")}
    )
    assert upload.status_code == 302
    assert upload["Location"] == "/customers/import/review/"
    key = client.session["heartline_import"]["id"]
    assert [p.name for p in media.iterdir()] == [key]
    review = client.get("/customers/import/review/")
    assert [f.label for f in review.context["form"]][1:] == ["Phone", "Chinese name", "Birthday"]
    mapping = {"col_0": "phone", "col_1": "name_cjk", "col_2": "birthday", "on_duplicate": "skip"}
    dry = client.post("/customers/import/review/", mapping)
    assert dry.status_code == 200
    report = dry.context["report"]
    assert [(r.row, r.status) for r in report.results] == [
        (1, "created"),
        (2, "rejected"),
        (3, "created"),
    ]
    assert "is not a phone number" in report.results[1].reason
    assert Customer.objects.count() == 0
    real = client.post("/customers/import/run/")
    assert real.status_code == 200
    assert sorted(Customer.objects.values_list("name_cjk", flat=True)) == ["张伟", "王五"]
    assert Moment.objects.count() == 2
    assert list(media.iterdir()) == []
    assert "heartline_import" not in client.session


def test_mapping_needs_an_identifier_column(media, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    client.post("/customers/import/", {"file": SimpleUploadedFile("p.csv", CSV, "text/csv")})
    response = client.post(
        "/customers/import/review/",
        {"col_0": "ignore", "col_1": "name_cjk", "col_2": "name_cjk", "on_duplicate": "skip"},
    )
    assert response.status_code == 400
    assert len(response.context["form"].non_field_errors()) == 2
    assert Customer.objects.count() == 0


def test_vcard_import_skips_mapping(media, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Li Na\r\nTEL:+86 139 0013 9000\r\nEND:VCARD\r\n"
    client = client_for(staff_by_role["manager"])
    client.post("/customers/import/", {"file": SimpleUploadedFile("c.vcf", card, "text/vcard")})
    dry = client.post("/customers/import/review/", {"on_duplicate": "merge"})
    assert [r.status for r in dry.context["report"].results] == ["created"]
    client.post("/customers/import/run/")
    assert list(Customer.objects.values_list("name_latin", flat=True)) == ["Li Na"]


@pytest.mark.parametrize(
    ("name", "content"),
    [("run.exe", b"MZ..."), ("people.txt", b"a,b\n"), ("fake.vcf", b"<html>")],
)
def test_upload_rejects_other_types(media, staff_by_role, client_for, name, content) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    response = client.post("/customers/import/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["file"]
    assert "heartline_import" not in client.session
    assert not media.exists() or list(media.iterdir()) == []


@pytest.mark.parametrize(
    "state",
    [
        {"id": "../../../etc/passwd", "kind": "csv"},
        {"id": "0" * 32, "kind": "csv"},
        {"id": "a" * 32, "kind": "exe"},
        "garbage",
    ],
)
def test_tampered_import_session_is_400(media, staff_by_role, client_for, state) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    session = client.session
    session["heartline_import"] = state
    session.save()
    response = client.post("/customers/import/review/", {"on_duplicate": "skip"})
    assert response.status_code == 400
    assert "heartline_import" not in client.session
    assert client.post("/customers/import/run/").status_code == 302
    assert Customer.objects.count() == 0


def test_marketing_without_import_permission_is_refused(media, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(staff_by_role["agent"]).post(
        "/customers/import/", {"file": SimpleUploadedFile("p.csv", CSV)}
    )
    assert response.status_code == 403
    assert not media.exists()


# --- export ----------------------------------------------------------------------------------


def test_export_csv_and_vcard(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    other = make_customer("13900139000", name_latin="Li Na")
    client = client_for(staff_by_role["manager"])
    response = client.post("/customers/export/", {"format": "csv", "ids": [str(zhang.pk)]})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="customers.csv"'
    lines = response.content.decode().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"{zhang.pk},person,张伟,")
    card = client.post("/customers/export/", {"format": "vcard4", "q": "Li Na"})
    assert card["Content-Type"] == "text/vcard; charset=utf-8"
    body = card.content.decode()
    assert body.count("BEGIN:VCARD") == 1
    assert f"urn:heartline:customer:{other.pk}" in body
    exported = AuditEntry.objects.filter(action="view", changes__fields=["export"])
    assert exported.count() == 2


def test_export_errors(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["manager"])
    assert client.post("/customers/export/", {"format": "csv"}).status_code == 400
    assert client.post("/customers/export/", {"format": "pdf", "ids": ["1"]}).status_code == 400
    assert client.post("/customers/export/", {"format": "csv", "ids": ["x"]}).status_code == 400
    agent = client_for(staff_by_role["agent"])
    assert (
        agent.post("/customers/export/", {"format": "csv", "ids": [str(zhang.pk)]}).status_code
        == 403
    )


def test_customer_pages_pass_the_csp_checks(zhang, media, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_csp import assert_safe_page

    other = make_customer("13900139000", name_cjk="张伟")
    services.note_add(actor=None, customer=zhang, text='<script>alert(1)</script>" hx-get="/x')
    client = client_for(staff_by_role["admin"])
    client.post("/customers/import/", {"file": SimpleUploadedFile("p.csv", CSV, "text/csv")})
    for url in (
        f"/customers/{zhang.pk}/",
        f"/customers/{zhang.pk}/duplicates/",
        f"/customers/{zhang.pk}/merge/{other.pk}/",
        "/customers/?q=zhang",
        "/customers/import/review/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe_page(response, signed_in=True)
    assert "<script>alert(1)" not in client.get(f"/customers/{zhang.pk}/").content.decode()


def test_the_desk_shows_relations_both_ways(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    from heartline.customers.services import relation_add

    boss = make_customer(name_cjk="王芳", phone="13900000009")
    relation_add(actor=staff_by_role["agent"], customer=zhang, kind="employer", other=boss)
    client = client_for(staff_by_role["agent"])
    mine = client.get(f"/customers/{zhang.pk}/").content.decode()
    theirs = client.get(f"/customers/{boss.pk}/").content.decode()
    assert f'<a href="/customers/{boss.pk}/">王芳</a> <span class="muted">employer</span>' in mine
    assert (
        f'<a href="/customers/{zhang.pk}/">张伟</a> <span class="muted">employee</span>' in theirs
    )


def test_a_similar_name_is_warned_about_before_creating(zhang, staff_by_role, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(staff_by_role["agent"])
    typed = {"kind": "person", "phone": "13900000123", "name_cjk": "張偉"}
    warned = client.post("/customers/new/", typed)
    assert warned.status_code == 200
    page = warned.content.decode()
    assert 'data-testid="possible-duplicates"' in page
    assert f'<a href="/customers/{zhang.pk}/">张伟</a>' in page
    assert 'type="checkbox" name="not_a_duplicate"' in page
    assert Customer.objects.count() == 1

    created = client.post("/customers/new/", {**typed, "not_a_duplicate": "on"})
    assert created.status_code == 302
    assert Customer.objects.count() == 2
    fresh = client.get("/customers/new/").content.decode()
    assert 'type="hidden" name="not_a_duplicate"' in fresh
