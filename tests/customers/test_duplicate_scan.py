from __future__ import annotations

import pytest

from heartline.customers import services
from heartline.customers.models import Customer, DuplicatePair, DuplicateScan
from heartline.customers.services import IdentityInput
from heartline.customers.tasks import scan_duplicates_now
from heartline.worker import schedule


def _person(actor, phone, **profile):
    return services.customer_create(
        actor=actor, identities_in=[IdentityInput("phone", phone)], **profile
    )


@pytest.mark.django_db
def test_the_scan_finds_pairs_once_and_then_only_looks_at_changes(staff_by_role):
    manager = staff_by_role["manager"]
    a = _person(manager, "13900000001", name_cjk="王芳")
    b = _person(manager, "13900000002", name_cjk="王芳")
    _person(manager, "13900000003", name_cjk="李娜")

    first = scan_duplicates_now()
    assert (first.scanned, first.found) == (3, 1)
    pair = DuplicatePair.objects.get()
    assert (pair.low_id, pair.high_id, pair.score, pair.reasons) == (
        a.pk,
        b.pk,
        50,
        ["same name in characters"],
    )
    second = scan_duplicates_now()
    assert (second.scanned, second.found) == (0, 0)

    c = _person(manager, "13900000004", name_cjk="李娜")
    third = scan_duplicates_now()
    assert (third.scanned, third.found) == (1, 1)
    assert DuplicatePair.objects.count() == 2
    assert DuplicateScan.objects.count() == 3
    assert c.pk in DuplicatePair.objects.values_list("high_id", flat=True)


@pytest.mark.django_db
def test_dismissed_pairs_stay_dismissed_and_the_api_lists_open_ones(staff_by_role, client_for):
    from django.test import Client

    from heartline.accounts.services import api_token_create

    manager = staff_by_role["manager"]
    _person(manager, "13900000001", name_cjk="王芳")
    _person(manager, "13900000002", name_cjk="王芳")
    scan_duplicates_now()
    pair = DuplicatePair.objects.get()
    _, key = api_token_create(actor=manager, user=manager, name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [p["id"] for p in api.get("/api/v1/duplicates").json()["items"]] == [pair.pk]

    _, agent_key = api_token_create(
        actor=staff_by_role["agent"], user=staff_by_role["agent"], name="t"
    )
    agent = Client(HTTP_AUTHORIZATION=f"Bearer {agent_key}")
    assert agent.post(f"/api/v1/duplicates/{pair.pk}/dismiss").status_code == 403
    assert api.post(f"/api/v1/duplicates/{pair.pk}/dismiss").status_code == 200
    assert api.get("/api/v1/duplicates").json()["items"] == []
    Customer.objects.filter(pk=pair.low_id).update(name_latin="touched")  # changed again
    scan_duplicates_now()
    pair.refresh_from_db()
    assert pair.dismissed_at is not None


def test_the_scan_is_a_registered_periodic_job():
    job = schedule.job_named("scan_duplicates")
    assert (job.task_path, job.interval_seconds) == (
        "heartline.customers.tasks.scan_duplicates",
        3600,
    )
