"""Normalising identifiers so one number or address is one identity, however it was typed."""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

MAX_RAW_LENGTH = 254


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164 for any common way of writing a number: '138 0013 8000', '008613800138000', …"""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text or len(text) > 40:
        raise ValidationError(_("Enter a phone number."), code="invalid_phone")
    try:
        number = phonenumbers.parse(text, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid_phone", params={"value": raw}
        ) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."),
            code="invalid_phone",
            params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if len(text) > MAX_RAW_LENGTH:
        raise ValidationError(_("This e-mail address is too long."), code="invalid_email")
    validate_email(text)
    local, _at, domain = text.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid_email") from exc
    return f"{local}@{domain}".lower()


def normalise_member_no(raw: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()
    if not text or len(text) > 64:
        raise ValidationError(_("Enter a member number."), code="invalid_member_no")
    return text


def normalise_handle(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text or len(text) > 128:
        raise ValidationError(_("Enter a handle."), code="invalid_handle")
    return text


NORMALISERS = {
    "phone": normalise_phone,
    "email": normalise_email,
    "member_no": normalise_member_no,
    "handle": normalise_handle,
}


def normalise(kind: str, raw: str) -> str:
    try:
        normaliser = NORMALISERS[kind]
    except KeyError as exc:
        raise ValidationError(
            _("Unknown kind of identifier: %(kind)s"), code="invalid_kind", params={"kind": kind}
        ) from exc
    return normaliser(raw)
