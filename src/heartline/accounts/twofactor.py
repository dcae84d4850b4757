"""Optional TOTP two-factor authentication for staff (django-otp), and the sign-in audit trail.

A staff member enrols on the "Two-factor" page: ``totp_enrol_start`` makes an unconfirmed
device, ``totp_enrol_confirm`` confirms it with a first code, ``totp_disable`` removes it with a
current code. Once a confirmed device exists, sign-in asks for a code after the password.

Sign-in, failed sign-in and sign-out are recorded explicitly by the views through
``signin_record`` (no signals).
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from heartline.accounts.models import User
from heartline.core import audit
from heartline.core.models import AuditEntry

DEVICE_NAME = "Heartline authenticator"


def _require(actor: Any) -> None:
    if not actor.has_perm("account.manage_own"):
        raise PermissionDenied("account.manage_own")


def totp_device_confirmed(user: Any) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if two-factor sign-in is on for them."""
    if not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def totp_device_pending(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()


def totp_verify(*, device: TOTPDevice, token: str) -> bool:
    """Check a code against the device (django-otp throttles repeated failures)."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or len(token) != device.digits:
        return False
    return bool(device.verify_token(token))


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL as a QR code in an SVG data URI (no outbound call, CSP-safe)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2))


def totp_secret_text(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for typing into an authenticator by hand."""
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def totp_enrol_start(*, actor: User) -> TOTPDevice:
    """Start (or restart) enrolment: a fresh unconfirmed device with a new key."""
    _require(actor)
    if totp_device_confirmed(actor) is not None:
        raise ValidationError(_("Two-factor sign-in is already on."))
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, actor: User, token: str) -> TOTPDevice:
    """Confirm the pending device with a code from the authenticator app."""
    _require(actor)
    device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).first()
    if device is None:
        raise ValidationError(_("Start the set-up first."))
    if not totp_verify(device=device, token=token):
        raise ValidationError(_("That code is not right. Check the time on your device."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=actor,
        changes={"two_factor": [False, True]},
    )
    return device


@transaction.atomic
def totp_disable(*, actor: User, token: str) -> None:
    """Turn two-factor sign-in off; needs a current code so a left-open session cannot."""
    _require(actor)
    device = totp_device_confirmed(actor)
    if device is None:
        raise ValidationError(_("Two-factor sign-in is not on."))
    if not totp_verify(device=device, token=token):
        raise ValidationError(_("That code is not right. Check the time on your device."))
    TOTPDevice.objects.filter(user=actor).delete()
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=actor,
        changes={"two_factor": [True, False]},
    )


@transaction.atomic
def signin_record(*, user: Any, action: str, username: str = "", reason: str = "") -> None:
    """Audit one sign-in, failed sign-in or sign-out.

    ``user`` is the staff member when known. For a failure pass ``username`` (what was typed):
    the account is looked up by it; an unknown name is kept only as the label (150 characters).
    A failure is recorded with an anonymous actor: nobody has proven who they are.
    """
    if action not in {
        AuditEntry.Action.LOGIN,
        AuditEntry.Action.LOGIN_FAILED,
        AuditEntry.Action.LOGOUT,
    }:
        raise ValueError(f"Not a sign-in action: {action!r}")
    failed = action == AuditEntry.Action.LOGIN_FAILED
    if user is None and failed and username:
        user = User.objects.filter(username__iexact=username).first()
    changes = {"reason": reason} if reason else {}
    actor = AnonymousUser() if failed else user
    if user is not None:
        audit.record(
            actor=actor, action=action, obj=user, object_label=user.get_username(), changes=changes
        )
    else:
        audit.record(
            actor=actor,
            action=action,
            object_type="accounts.user",
            object_label=username[:150],
            changes=changes,
        )
