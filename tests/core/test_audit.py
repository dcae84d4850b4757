from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from heartline.core import audit
from heartline.core.context import acting
from heartline.core.models import AppendOnlyError, AuditEntry


@pytest.mark.django_db
def test_staff_creation_writes_one_audit_entry_with_changes(make_staff):
    user = make_staff("agent", username="li.na", display_name="李娜")
    entries = list(AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "create"
    assert entry.actor is None
    assert entry.actor_label == "system"
    assert entry.channel == "system"
    assert entry.changes["display_name"] == [None, "李娜"]
    assert entry.changes["role"] == [None, "agent"]
    assert "password" not in entry.changes


@pytest.mark.django_db
def test_audit_records_channel_request_id_and_ip_from_context(make_staff):
    admin = make_staff("admin", username="root")
    with acting(channel="api", request_id="req-42", ip="203.0.113.9"):
        entry = audit.record_view(actor=admin, obj=admin, fields=["email", "display_name"])
    entry.refresh_from_db()
    assert (entry.channel, entry.request_id, entry.ip) == ("api", "req-42", "203.0.113.9")
    assert entry.actor_label == "root"
    assert entry.changes == {"fields": ["display_name", "email"]}


@pytest.mark.django_db
def test_diff_redacts_secrets_and_keeps_only_changes():
    changes = audit.diff(
        {"password": "a", "name": "x", "n": 1}, {"password": "b", "name": "x", "n": 2}
    )
    assert changes == {"n": [1, 2], "password": ["[redacted]", "[redacted]"]}


@pytest.mark.django_db(transaction=True)
def test_audit_trail_is_append_only_in_the_model_and_the_database(make_staff):
    make_staff("agent", username="wang")
    entry = AuditEntry.objects.get()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="delete")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).action == "create"
