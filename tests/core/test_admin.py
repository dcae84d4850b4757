from __future__ import annotations

import pytest

from heartline.core.models import AuditEntry


@pytest.mark.django_db
def test_admin_site_inspects_but_never_writes(staff_by_role, client_for):
    admin = client_for(staff_by_role["admin"])
    entry = AuditEntry.objects.first()
    assert entry is not None
    before = AuditEntry.objects.count()

    assert admin.get("/admin/core/auditentry/").status_code == 200
    assert admin.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200  # view only
    assert admin.get("/admin/accounts/user/").status_code == 200
    assert admin.get("/admin/accounts/user/add/").status_code == 403
    assert (
        admin.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert (
        admin.post(
            f"/admin/accounts/user/{staff_by_role['agent'].pk}/change/", {"role": "admin"}
        ).status_code
        == 403
    )

    staff_by_role["agent"].refresh_from_db()
    assert staff_by_role["agent"].role == "agent"
    assert AuditEntry.objects.count() == before
