"""The public side of a capture form: what a visitor's browser may send, and the checks a
submission passes before it becomes a lead — without any third-party service.

* **Origin** — the browser's ``Origin`` header must be one of the form's allowed origins (or
  Heartline's own, for the hosted page). Browsers always send it on a cross-site POST and
  scripts cannot forge it; a request without one is refused.
* **Signed timestamp token** — the form carries a token signed with the secret key, naming the
  form and the time it was shown. Sent back sooner than :data:`MIN_FILL_SECONDS` = a bot; older
  than :data:`MAX_AGE_SECONDS` = expired (the visitor reloads). A token makes one lead only.
* **Honeypot** — a field people never see (moved off-screen); bots fill it.
* **Rate limits** — per client address and per form, in the cache (fixed windows).
* **Size** — the body is at most :data:`MAX_BODY_BYTES`; every field has its limit.

There are no cookies, no session and no signed-in user on this path, so there is nothing a
cross-site request could borrow: that is why the endpoint is CSRF-exempt by design.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from heartline.customers.models import ConsentEvent
from heartline.leads.capture import CaptureResult, lead_capture
from heartline.leads.contact import ConsentDecision, LeadInput
from heartline.leads.models import LeadForm
from heartline.leads.setup import normalise_origin

TOKEN_SALT = "heartline.leads.form-token"  # noqa: S105 — a salt, not a secret
MIN_FILL_SECONDS = 3
MAX_AGE_SECONDS = 2 * 3600
MAX_BODY_BYTES = 16 * 1024
IP_LIMIT, IP_WINDOW_SECONDS = 10, 600
FORM_WINDOW_SECONDS = 3600
HONEYPOT = "website"  # a plausible name, so bots fill it
FIELD_NAMES = {
    "name": "name",
    "organisation": "organisation",
    "phone": "phone",
    "email": "email",
    "wechat": "handle",
    "territory": "territory",
    "message": "message",
}


class Refused(Exception):
    """A submission refused before it reached the capture service."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# --- Token ------------------------------------------------------------------------------------
def token_issue(form: LeadForm, *, issued_at: float | None = None) -> str:
    """A signed token naming the form and the moment it is shown."""
    issued = int(issued_at if issued_at is not None else time.time())
    return signing.dumps(
        {"k": form.public_key, "t": issued, "n": secrets.token_hex(8)}, salt=TOKEN_SALT
    )


def token_check(form: LeadForm, token: str, *, now: float | None = None) -> str:
    """The token's nonce, or :class:`Refused` (bad, too fast, expired, already used)."""
    try:
        value = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature as exc:
        raise Refused(
            400, "bad_token", _("This form is not valid any more. Reload the page.")
        ) from exc
    if (
        not isinstance(value, dict)
        or value.get("k") != form.public_key
        or not isinstance(value.get("t"), int)
        or not isinstance(value.get("n"), str)
    ):
        raise Refused(400, "bad_token", _("This form is not valid any more. Reload the page."))
    age = (now if now is not None else time.time()) - value["t"]
    if age < MIN_FILL_SECONDS:
        raise Refused(
            400, "too_fast", _("That was faster than a person can type. Please try again.")
        )
    if age > MAX_AGE_SECONDS:
        raise Refused(
            400, "expired", _("This form has expired. Reload the page and send it again.")
        )
    if cache.get(_nonce_key(value["n"])):
        raise Refused(400, "already_sent", _("This form was already sent. Reload the page."))
    return str(value["n"])


def _nonce_key(nonce: str) -> str:
    return f"leads:form-token:{nonce}"


def token_spend(nonce: str) -> None:
    """Mark a token used (after it made a lead)."""
    cache.set(_nonce_key(nonce), 1, MAX_AGE_SECONDS + 60)


# --- Origin -----------------------------------------------------------------------------------
def own_origins(request_host: str, secure: bool) -> set[str]:
    origins = {normalise_origin(settings.PUBLIC_BASE_URL)} if settings.PUBLIC_BASE_URL else set()
    if request_host:
        origins.add(normalise_origin(f"{'https' if secure else 'http'}://{request_host}"))
    return origins


def origin_allowed(form: LeadForm, origin: str, own: set[str]) -> bool:
    if not origin or origin == "null":
        return False
    try:
        given = normalise_origin(origin)
    except Exception:
        return False
    return given in set(form.allowed_origins) or given in own


# --- Rate limits ------------------------------------------------------------------------------
def _hit(key: str, window: int) -> int:
    bucket = f"{key}:{int(time.time() // window)}"
    cache.add(bucket, 0, window + 5)
    try:
        return int(cache.incr(bucket))
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, window + 5)
        return 1


def rate_check(form: LeadForm, client_ip: str) -> None:
    """Count this submission; :class:`Refused` (429) past the per-address or per-form limit."""
    if _hit(f"leads:rate:ip:{client_ip or '-'}", IP_WINDOW_SECONDS) > IP_LIMIT:
        raise Refused(
            429, "throttled", _("Too many submissions from your address. Try again later.")
        )
    if _hit(f"leads:rate:form:{form.pk}", FORM_WINDOW_SECONDS) > form.max_per_hour:
        raise Refused(
            429, "throttled", _("This form is receiving too many submissions. Try later.")
        )


# --- What the visitor sent --------------------------------------------------------------------
def language_of(raw: str) -> str:
    return "zh-hans" if raw.lower().startswith("zh") else "en"


def consent_text(item: Mapping[str, str], language: str) -> str:
    if language == "zh-hans":
        return item.get("text_zh") or item.get("text_en", "")
    return item.get("text_en") or item.get("text_zh", "")


def lead_input_of(form: LeadForm, post: Mapping[str, Any], language: str) -> LeadInput:
    """The form's fields and consent boxes as a :class:`LeadInput` (others are ignored)."""
    values: dict[str, str] = {}
    for field in form.fields:
        target = FIELD_NAMES.get(field)
        if target:
            values[target] = str(post.get(field, ""))
    decisions = tuple(
        ConsentDecision(
            purpose=item["purpose"],
            granted=post.get(f"consent_{item['purpose']}") in ("on", "yes", "true", "1"),
            evidence=f"form {form.public_key} ({language}): {consent_text(item, language)}",
        )
        for item in form.consents
        if item.get("purpose") in ConsentEvent.Purpose.values
    )
    return LeadInput(
        **values,
        handle_provider="wechat" if values.get("handle") else "",
        language=language,
        consents=decisions,
    )


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # text, tel, email, textarea
    max_length: int
    autocomplete: str


_SPECS = {
    "name": ("text", 100, "name"),
    "organisation": ("text", 200, "organization"),
    "phone": ("tel", 40, "tel"),
    "email": ("email", 254, "email"),
    "wechat": ("text", 128, "off"),
    "territory": ("text", 64, "address-level1"),
    "message": ("textarea", 4000, "off"),
}


def field_specs(form: LeadForm) -> list[FieldSpec]:
    labels = dict(LeadForm.Field.choices)
    return [
        FieldSpec(name, str(labels[name]), *_SPECS[name])
        for name in form.fields
        if name in _SPECS and name in labels
    ]


def config_of(form: LeadForm, language: str, submit_url: str) -> dict[str, Any]:
    """What leadform.js needs to draw the form, in the visitor's language (plain text only:
    the script puts every string in with ``textContent``)."""
    with translation.override(language):
        zh = language == "zh-hans"
        return {
            "title": (form.title_zh or form.title_en) if zh else (form.title_en or form.title_zh),
            "fields": [dataclasses.asdict(spec) for spec in field_specs(form)],
            "consents": [
                {"name": f"consent_{c['purpose']}", "text": consent_text(c, language)}
                for c in form.consents
            ],
            "honeypot": HONEYPOT,
            "token": token_issue(form),
            "language": language,
            "action": submit_url,
            "hint": _("Give at least one way to reach you: phone, e-mail or WeChat."),
            "submit": _("Send"),
            "sending": _("Sending…"),
            "failed": _("Your message could not be sent. Please try again later."),
        }


def thank_you(form: LeadForm, language: str) -> str:
    with translation.override(language):
        if language == "zh-hans":
            text = form.thank_you_zh or form.thank_you_en
        else:
            text = form.thank_you_en or form.thank_you_zh
        return text or _("Thank you! We will get back to you soon.")


def submit(
    form: LeadForm,
    post: Mapping[str, Any],
    *,
    origin: str,
    own: set[str],
    client_ip: str,
    body_bytes: int,
    language: str,
) -> CaptureResult:
    """Check a submission (size, origin, rate, honeypot, token) and capture its lead.

    Raises :class:`Refused` or the capture's ValidationError; nothing is stored then."""
    if body_bytes > MAX_BODY_BYTES:
        raise Refused(413, "payload_too_large", _("The submission is too large."))
    if not origin_allowed(form, origin, own):
        raise Refused(403, "origin_refused", _("This form may not be sent from this site."))
    rate_check(form, client_ip)
    if str(post.get(HONEYPOT, "")).strip():
        raise Refused(400, "refused", _("The submission was refused."))
    nonce = token_check(form, str(post.get("token", "")))
    result = lead_capture(
        actor=None,
        data=lead_input_of(form, post, language),
        source="web_form",
        source_ref=f"form-token:{nonce}",
        form=form,
    )
    token_spend(nonce)
    return result
