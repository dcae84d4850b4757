"""``manage.py create_api_token``: prints only the token, which then authenticates."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from heartline.accounts import services as accounts
from heartline.accounts.models import ApiToken
from heartline.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def test_prints_a_token_that_authenticates(make_staff):
    user = make_staff("agent", username="ann")
    audit_before, events_before = AuditEntry.objects.count(), OutboxEvent.objects.count()
    out = StringIO()

    call_command("create_api_token", "ann", "--name", "ci", stdout=out)

    key = out.getvalue().strip()
    assert out.getvalue() == key + "\n"
    token = ApiToken.objects.get(user=user)
    assert token.name == "ci"
    assert key.startswith(f"hl_{token.prefix}_")
    assert AuditEntry.objects.count() == audit_before + 1
    assert AuditEntry.objects.latest("id").channel == "cli"
    assert OutboxEvent.objects.count() == events_before + 1
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "ann"


def test_default_name(make_staff):
    make_staff("agent", username="ann")
    call_command("create_api_token", "ann", stdout=StringIO())
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["command line"]


def test_unknown_user_is_a_clear_error():
    with pytest.raises(CommandError, match=r"^No active staff member with username 'ghost'\.$"):
        call_command("create_api_token", "ghost", stdout=StringIO())
    assert ApiToken.objects.count() == 0


def test_inactive_user_is_refused(make_staff):
    user = make_staff("agent", username="ann")
    accounts.staff_update(actor=None, user=user, is_active=False)
    with pytest.raises(CommandError):
        call_command("create_api_token", "ann", stdout=StringIO())
    assert ApiToken.objects.count() == 0


def test_bad_name_is_a_command_error(make_staff):
    make_staff("agent", username="ann")
    with pytest.raises(CommandError, match="Give the token a name"):
        call_command("create_api_token", "ann", "--name", " ", stdout=StringIO())
