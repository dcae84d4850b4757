"""What a lead is made of, checked the same way for every channel (web form, chat, import,
API, by hand): one function, :func:`clean_lead_input`, so the rules and their messages are
identical everywhere.

Only one way to reach the person is required — a phone number, an e-mail address or a handle
(WeChat or another) — and identifiers are normalised with the customer memory's functions
(``customers.identities``), so a duplicate is found however the number or address was typed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from heartline.customers import identities, names
from heartline.customers.models import ConsentEvent

LIMITS = {
    "name": 200,
    "name_cjk": 100,
    "name_latin": 200,
    "name_pinyin": 200,
    "organisation": 200,
    "phone": 40,
    "email": 254,
    "handle": 128,
    "handle_provider": 32,
    "language": 10,
    "territory": 64,
    "message": 4000,
}
CONTACT = "contact"  # the error key of the one-identifier rule
DEFAULT_HANDLE_PROVIDER = "wechat"


def one_way_to_reach_message() -> str:
    return _(
        "Give one way to reach the person: a phone number, an e-mail address or a WeChat "
        "(or other) handle."
    )


@dataclass(frozen=True)
class ConsentDecision:
    purpose: str
    granted: bool
    evidence: str = ""


@dataclass(frozen=True)
class LeadInput:
    """A lead as a channel delivers it. ``name`` (one field, as a web form asks it) goes to
    ``name_cjk`` when it is written in characters, else to ``name_latin``."""

    name: str = ""
    name_cjk: str = ""
    name_latin: str = ""
    name_pinyin: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    handle: str = ""
    handle_provider: str = ""
    language: str = ""
    territory: str = ""
    message: str = ""
    consents: tuple[ConsentDecision, ...] = field(default_factory=tuple)

    def identifiers(self) -> list[tuple[str, str, str]]:
        """(kind, provider, value) of the identifiers given, in the order they are matched."""
        found = []
        if self.phone:
            found.append(("phone", "", self.phone))
        if self.email:
            found.append(("email", "", self.email))
        if self.handle:
            found.append(("handle", self.handle_provider, self.handle))
        return found


def normalise_language(raw: str) -> str:
    text = raw.strip().lower().replace("_", "-")
    if not text:
        return ""
    if text.startswith("zh"):
        return "zh-hans"
    if text.startswith("en"):
        return "en"
    return text[:10]


def _identifier(kind: str, raw: str, errors: dict[str, list[str]], key: str) -> str:
    text = raw.strip()
    if not text:
        return ""
    try:
        return identities.normalise(kind, text)
    except ValidationError as exc:
        errors[key] = exc.messages
        return ""


def clean_lead_input(data: LeadInput) -> LeadInput:
    """``data`` trimmed, normalised and checked; a ValidationError maps field → messages."""
    errors: dict[str, list[str]] = {}
    values = {
        f.name: getattr(data, f.name).strip()
        for f in dataclasses.fields(data)
        if isinstance(getattr(data, f.name), str)
    }
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = [_("At most %(limit)s characters.") % {"limit": limit}]
    if "\x00" in "".join(values.values()):
        errors["message"] = [_("Text must not contain NUL characters.")]
    if errors:
        raise ValidationError(errors)
    if values["name"]:
        key = "name_cjk" if names.has_cjk(values["name"]) else "name_latin"
        values[key] = values[key] or values["name"][: LIMITS[key]]
    values["name"] = ""
    if values["name_cjk"] and not values["name_pinyin"]:
        values["name_pinyin"] = names.pinyin_of(values["name_cjk"])
    values["phone"] = _identifier("phone", values["phone"], errors, "phone")
    values["email"] = _identifier("email", values["email"], errors, "email")
    values["handle"] = _identifier("handle", values["handle"], errors, "handle")
    provider = values["handle_provider"].lower()
    values["handle_provider"] = (provider or DEFAULT_HANDLE_PROVIDER) if values["handle"] else ""
    values["language"] = normalise_language(values["language"])
    given = [data.phone, data.email, data.handle]
    if not any(g.strip() for g in given):
        errors[CONTACT] = [one_way_to_reach_message()]
    consents = _clean_consents(data.consents, errors)
    if errors:
        raise ValidationError(errors)
    return LeadInput(**values, consents=consents)


def _clean_consents(
    decisions: tuple[ConsentDecision, ...], errors: dict[str, list[str]]
) -> tuple[ConsentDecision, ...]:
    seen: dict[str, ConsentDecision] = {}
    for decision in decisions:
        if decision.purpose not in ConsentEvent.Purpose.values:
            errors["consents"] = [_("Unknown purpose %(p)s.") % {"p": decision.purpose[:40]}]
            continue
        seen[decision.purpose] = ConsentDecision(
            decision.purpose, bool(decision.granted), decision.evidence.strip()[:300]
        )
    return tuple(seen.values())
