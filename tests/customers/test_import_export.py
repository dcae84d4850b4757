from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.core.models import AuditEntry
from heartline.customers import services
from heartline.customers.exports import export_csv, export_vcard
from heartline.customers.imports import csv_records, import_records, vcard_records
from heartline.customers.models import Customer, Identity, Moment
from heartline.customers.services import IdentityInput

CSV = """姓名,手机,邮箱,生日,标签
王芳,138 0013 8000,wang@example.com,1990-05-04,vip;红色
,,,,
李娜,not-a-phone,,,
张伟,139-1234-5678,,02-30,
Wei Zhang,+86 139 1234 5679,WEI@example.com,--1224,
""".encode()
MAPPING = {"姓名": "name_cjk", "手机": "phone", "邮箱": "email", "生日": "birthday", "标签": "tags"}


@pytest.fixture
def manager(staff_by_role):
    return staff_by_role["manager"]


@pytest.mark.django_db
def test_dry_run_reports_row_by_row_and_writes_nothing(manager):
    report = import_records(actor=manager, records=csv_records(CSV, MAPPING), dry_run=True)
    assert [(r.row, r.status) for r in report.results] == [
        (1, "created"),
        (2, "rejected"),
        (3, "rejected"),
        (4, "rejected"),
        (5, "created"),
    ]
    assert "one way to recognise the customer" in report.results[1].reason
    assert "phone" in report.results[2].reason
    assert report.results[3].reason == "Birthday “02-30” does not exist."
    assert report.summary == {"created": 2, "merged": 0, "skipped": 0, "rejected": 3}
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_import_never_half_imports_a_row_and_handles_duplicates(manager):
    report = import_records(actor=manager, records=csv_records(CSV, MAPPING), dry_run=False)
    assert report.summary == {"created": 2, "merged": 0, "skipped": 0, "rejected": 3}
    assert Customer.objects.count() == 2
    assert Identity.objects.filter(value="+8613912345678").count() == 0  # row 4 left nothing
    wang = Customer.objects.get(name_cjk="王芳")
    assert wang.tags == ["vip", "红色"]
    assert list(Moment.objects.filter(customer=wang).values_list("year", "month", "day")) == [
        (1990, 5, 4)
    ]

    again = import_records(actor=manager, records=csv_records(CSV, MAPPING), dry_run=False)
    assert again.summary == {"created": 0, "merged": 0, "skipped": 2, "rejected": 3}
    assert again.results[0].reason == f"matches customer #{wang.pk}"
    merged = import_records(
        actor=manager,
        records=[{"phone": "13800138000", "email": "fang@example.cn", "name_latin": "Fang Wang"}],
        dry_run=False,
        on_duplicate="merge",
    )
    assert merged.summary["merged"] == 1
    wang.refresh_from_db()
    assert (wang.name_latin, wang.identities.count()) == ("Fang Wang", 3)


@pytest.mark.django_db
def test_bad_files_and_mappings_get_clear_errors(manager):
    with pytest.raises(ValidationError, match="no column"):
        list(csv_records(CSV, {"Phone": "phone"}))
    with pytest.raises(ValidationError, match="Unknown fields"):
        list(csv_records(CSV, {"手机": "password"}))
    gb = "姓名,手机\n王芳,13800138000\n".encode("gb18030")
    assert list(csv_records(gb, {"姓名": "name_cjk", "手机": "phone"})) == [
        {"name_cjk": "王芳", "phone": "13800138000"}
    ]
    with pytest.raises(PermissionDenied):
        import_records(actor=_analyst(), records=[], dry_run=True)


def _analyst():
    from heartline.accounts.services import staff_create

    return staff_create(actor=None, username="ana", password=None, role="analyst")


VCARD4 = """BEGIN:VCARD
VERSION:4.0
FN:Wei Zhang
N:Zhang;Wei;;;
TEL;TYPE=cell;VALUE=uri:tel:+86-138-0013-8000
EMAIL:wei@example.com
BDAY:--0504
ADR;TYPE=home:;;南京东路1号;上海;;200001;CN
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:李娜
TEL;TYPE=CELL:139 1234 5678
END:VCARD
"""


@pytest.mark.django_db
def test_vcard_import_then_export_round_trip(manager):
    report = import_records(actor=manager, records=vcard_records(VCARD4.encode()), dry_run=False)
    assert report.summary == {"created": 2, "merged": 0, "skipped": 0, "rejected": 0}
    ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
    before = AuditEntry.objects.filter(action="view").count()

    text = export_vcard(actor=manager, ids=ids, version="4.0")
    assert AuditEntry.objects.filter(action="view").count() == before + 2
    cards = list(vcard_records(text.encode()))
    assert [
        (c.get("name_latin") or c.get("name_cjk"), c["phone"], c["birthday"]) for c in cards
    ] == [
        ("Wei Zhang", "+8613800138000", "--0504"),
        ("李娜", "+8613912345678", ""),
    ]
    v3 = export_vcard(actor=manager, ids=ids, version="3.0")
    assert "VERSION:3.0" in v3
    assert "TEL:+8613912345678" in v3


@pytest.mark.django_db
def test_csv_export_neutralises_formulas_but_keeps_phone_numbers(manager, staff_by_role):
    c = services.customer_create(
        actor=manager,
        identities_in=[IdentityInput("phone", "13800138000")],
        name_latin="=HYPERLINK(1)",
    )
    out = export_csv(actor=manager, ids=[c.pk])
    assert out.splitlines()[1] == f"{c.pk},person,,,'=HYPERLINK(1),+8613800138000,,,,,,"
    with pytest.raises(PermissionDenied):
        export_csv(actor=staff_by_role["agent"], ids=[c.pk])
