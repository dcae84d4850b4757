"""Sign-in: throttling, audit of every sign-in and sign-out, optional TOTP two-factor."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from heartline.core.models import AuditEntry
from heartline.core.permissions import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    moment = time.time() if at is None else at
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = moment
    return str(generator.token()).zfill(device.digits)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": password, **extra})


def audit_actions() -> list[tuple[str, str, str]]:
    return list(
        AuditEntry.objects.order_by("id").values_list("action", "actor_label", "object_label")
    )


def test_sign_in_and_out_are_audited(make_staff) -> None:  # type: ignore[no-untyped-def]
    user = make_staff(Role.AGENT, username="amy", language="zh-hans")
    before = AuditEntry.objects.count()
    client = Client()
    response = sign_in(client, "amy")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == "zh-hans"
    assert client.session["_auth_user_id"] == str(user.pk)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert audit_actions()[before:] == [("login", "amy", "amy"), ("logout", "amy", "amy")]


def test_failed_sign_in_is_audited_without_logging_in(make_staff) -> None:  # type: ignore[no-untyped-def]
    make_staff(Role.AGENT, username="bob")
    before = AuditEntry.objects.count()
    client = Client()
    response = sign_in(client, "bob", "wrong password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = sign_in(client, "nobody", "wrong password")
    assert response.status_code == 200
    rows = list(
        AuditEntry.objects.order_by("id")[before:].values_list(
            "action", "actor", "actor_label", "object_label", "changes"
        )
    )
    assert rows == [
        ("login_failed", None, "anonymous", "bob", {"reason": "wrong password"}),
        ("login_failed", None, "anonymous", "nobody", {"reason": "wrong password"}),
    ]


def test_lockout_after_five_failures(make_staff) -> None:  # type: ignore[no-untyped-def]
    make_staff(Role.AGENT, username="carol")
    client = Client()
    statuses = [sign_in(client, "carol", f"wrong {i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    response = sign_in(client, "carol")  # the right password no longer helps
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    reasons = list(
        AuditEntry.objects.filter(action="login_failed")
        .order_by("id")
        .values_list("changes__reason", flat=True)
    )
    assert reasons == ["wrong password"] * 4 + ["locked out"] * 2


def test_two_factor_enrol_then_sign_in_with_code(make_staff) -> None:  # type: ignore[no-untyped-def]
    user = make_staff(Role.AGENT, username="dora")
    client = Client()
    client.force_login(user)
    assert client.post("/account/two-factor/", {"action": "start"}).status_code == 302
    page = client.get("/account/two-factor/")
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert 'data-testid="totp-secret"' in html
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    bad = client.post("/account/two-factor/", {"action": "confirm", "token": "000000"})
    assert bad.status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    ok = client.post("/account/two-factor/", {"action": "confirm", "token": code_for(device)})
    assert ok.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert AuditEntry.objects.filter(action="update", object_id=str(user.pk)).count() == 1

    with time_machine.travel(time.time() + 60, tick=False):
        fresh = Client()
        response = sign_in(fresh, "dora")
        assert response.status_code == 302
        assert response["Location"] == "/login/verify/"
        assert "_auth_user_id" not in fresh.session  # not logged in before the code
        assert fresh.get("/").status_code == 302
        response = fresh.post("/login/verify/", {"token": code_for(device)})
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert fresh.session["_auth_user_id"] == str(user.pk)
        assert fresh.session["otp_device_id"] == device.persistent_id
        assert fresh.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="login", actor=user).count() == 1


def test_two_factor_wrong_code_is_refused(make_staff) -> None:  # type: ignore[no-untyped-def]
    user = make_staff(Role.AGENT, username="eve")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    assert sign_in(client, "eve")["Location"] == "/login/verify/"
    wrong = str((int(code_for(device)) + 1) % 1_000_000).zfill(6)
    response = client.post("/login/verify/", {"token": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    assert list(
        AuditEntry.objects.filter(action="login_failed").values_list("changes", flat=True)
    ) == [{"reason": "wrong code"}]
    assert AuditEntry.objects.filter(action="login").count() == 0


def test_verify_page_without_password_step_goes_to_login(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().post("/login/verify/", {"token": "123456"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_session_of_2fa_user_without_code_is_signed_out(make_staff) -> None:  # type: ignore[no-untyped-def]
    user = make_staff(Role.ADMIN, username="fay")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)  # a password-only session made some other way
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_disable_two_factor_needs_a_current_code(make_staff) -> None:  # type: ignore[no-untyped-def]
    user = make_staff(Role.AGENT, username="gil")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "gil")
    client.post("/login/verify/", {"token": code_for(device)})
    refused = client.post("/account/two-factor/", {"action": "disable", "token": "abc"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=user).count() == 1
    with time_machine.travel(time.time() + 60, tick=False):
        done = client.post("/account/two-factor/", {"action": "disable", "token": code_for(device)})
    assert done.status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 0
    assert client.get("/").status_code == 200  # still signed in, now without two-factor


def test_admin_login_goes_through_our_sign_in(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"
