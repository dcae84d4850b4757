from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from heartline.accounts import services
from heartline.accounts.models import ApiToken, User
from heartline.core.models import AuditEntry, OutboxEvent


def _counts() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        ApiToken.objects.count(),
        AuditEntry.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_passwords_are_hashed_with_argon2_in_production_settings(settings):
    from heartline import settings as real

    assert real.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_only_staff_managers_create_staff_and_a_denial_changes_nothing(staff_by_role):
    before = _counts()
    for role in ("manager", "agent", "sales", "marketing", "analyst"):
        with pytest.raises(PermissionDenied):
            services.staff_create(actor=staff_by_role[role], username=f"x-{role}", password=None)
    assert _counts() == before

    made = services.staff_create(
        actor=staff_by_role["admin"], username="zeng.li", password=None, role="sales"
    )
    assert (made.role, made.is_staff, made.has_usable_password()) == ("sales", False, False)
    assert _counts() == (before[0] + 1, before[1], before[2] + 1, before[3] + 1)
    entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(made.pk))
    assert (entry.actor, entry.action) == (staff_by_role["admin"], "create")


@pytest.mark.django_db
def test_staff_create_rejects_duplicates_case_insensitively_and_unknown_roles(staff_by_role):
    admin = staff_by_role["admin"]
    before = _counts()
    with pytest.raises(ValidationError) as taken:
        services.staff_create(actor=admin, username="AGENT", password=None)
    assert taken.value.message_dict == {"username": ["This username is taken."]}
    with pytest.raises(ValidationError) as bad_role:
        services.staff_create(actor=admin, username="new", password=None, role="king")
    assert bad_role.value.message_dict == {"role": ["Unknown role 'king'."]}
    assert _counts() == before


@pytest.mark.django_db
def test_staff_update_records_only_what_changed(staff_by_role):
    admin, agent = staff_by_role["admin"], staff_by_role["agent"]
    before_audit = AuditEntry.objects.count()
    services.staff_update(actor=admin, user=agent, role="manager", display_name="单晓东")
    entry = AuditEntry.objects.latest("id")
    assert entry.changes == {"display_name": ["", "单晓东"], "role": ["agent", "manager"]}
    event = OutboxEvent.objects.latest("id")
    assert (event.type, event.payload) == (
        "staff.changed",
        {"user_id": agent.pk, "fields": ["display_name", "role"]},
    )
    services.staff_update(actor=admin, user=agent, role="manager")  # no change: no entry
    assert AuditEntry.objects.count() == before_audit + 1
    agent.refresh_from_db()
    assert agent.has_perm("staff.view") is True
    assert agent.has_perm("staff.manage") is False


@pytest.mark.django_db
def test_api_token_is_shown_once_stored_hashed_and_revocable(staff_by_role):
    agent = staff_by_role["agent"]
    token, key = services.api_token_create(actor=agent, user=agent, name="CTI bridge")
    assert key.startswith(f"hl_{token.prefix}_")
    assert key not in token.key_hash
    assert len(token.key_hash) == 64
    assert services.api_token_authenticate(key) == agent
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert services.api_token_authenticate(key + "x") is None
    assert services.api_token_authenticate("Bearer " + key) is None

    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=staff_by_role["sales"], token=token)
    assert services.api_token_authenticate(key) == agent
    services.api_token_revoke(actor=agent, token=token)
    assert services.api_token_authenticate(key) is None
    assert list(
        OutboxEvent.objects.filter(type__startswith="api_token.").values_list("type", flat=True)
    ) == ["api_token.created", "api_token.revoked"]


@pytest.mark.django_db
def test_tokens_cannot_be_made_for_someone_else_and_deactivated_users_lose_access(staff_by_role):
    agent, admin = staff_by_role["agent"], staff_by_role["admin"]
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=admin, user=agent, name="sneaky")
    _, key = services.api_token_create(actor=agent, user=agent, name="mine")
    services.staff_update(actor=admin, user=agent, is_active=False)
    assert services.api_token_authenticate(key) is None
    with pytest.raises(ValidationError):
        services.api_token_create(actor=admin, user=admin, name="   ")
