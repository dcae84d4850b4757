"""The sections of the customer page and how an inline editor answers.

Each section (profile, preferences, consent, moments, addresses, relations, identities) is one
partial template. Its "Edit" link opens the editor in place with htmx, or as a small page of
its own without JavaScript. A write answers an htmx request with the section again (200, or
400 with the form and its messages); otherwise with a redirect back to the customer page, or
the editor page with status 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heartline.customers import services
from heartline.customers.identities import display_phone
from heartline.customers.models import ConsentEvent, Customer, Identity, Moment
from heartline.customers.selectors import consent_history, customer_for_user
from heartline.timeline.selectors import customer_360
from heartline.web.forms_profile import (
    CONSENT_SOURCES,
    CONTACT_CHANNELS,
    CUSTOMER_LANGUAGES,
    AddressForm,
    ConsentForm,
    IdentityForm,
    MomentForm,
    PreferencesForm,
    ProfileForm,
    RelationForm,
)
from heartline.web.views.staff import attach_errors


@dataclass(frozen=True)
class Section:
    key: str
    stays_open: bool  # after a successful write: keep the editor open (lists) or close it


SECTIONS = {
    s.key: s
    for s in (
        Section("profile", stays_open=False),
        Section("preferences", stays_open=False),
        Section("consent", stays_open=False),
        Section("moments", stays_open=True),
        Section("addresses", stays_open=True),
        Section("relations", stays_open=True),
        Section("identities", stays_open=True),
    )
}

RELATION_LABELS = {
    ("household", "out"): gettext_lazy("household member"),
    ("household", "in"): gettext_lazy("household member"),
    ("employer", "out"): gettext_lazy("employer"),
    ("employer", "in"): gettext_lazy("employee"),
    ("referred_by", "out"): gettext_lazy("referred this customer"),
    ("referred_by", "in"): gettext_lazy("was referred by this customer"),
}
PREFERENCE_LABELS = {
    "channel": gettext_lazy("Preferred channel"),
    "contact_hours": gettext_lazy("Contact hours"),
    "sizes": gettext_lazy("Sizes"),
    "styles": gettext_lazy("Styles"),
    "favourite_products": gettext_lazy("Favourite products"),
    "notes": gettext_lazy("Other preferences"),
}


def _relation_label(relation: dict[str, Any]) -> str:
    return str(RELATION_LABELS.get((relation["kind"], relation["direction"]), relation["kind"]))


def _shown(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def preference_rows(customer: dict[str, Any]) -> list[tuple[str, str]]:
    """What the preferences card lists: (label, value) for what is known."""
    languages = dict(CUSTOMER_LANGUAGES)
    channels = dict(CONTACT_CHANNELS)
    rows: list[tuple[str, str]] = []
    if customer["language"]:
        language = customer["language"]
        rows.append((str(gettext_lazy("Language")), str(languages.get(language, language))))
    prefs = customer["preferences"] if isinstance(customer["preferences"], dict) else {}
    for key, label in PREFERENCE_LABELS.items():
        value = prefs.get(key)
        if value in (None, "", []):
            continue
        shown = str(channels.get(value, value)) if key == "channel" else _shown(value)
        rows.append((str(label), shown))
    return rows


def _sources() -> dict[str, str]:
    return {code: str(label) for code, label in CONSENT_SOURCES}


def details_context(data: dict[str, Any]) -> dict[str, Any]:
    """The sections' view of a ``customer_360``: labels and display forms added."""
    kinds = dict(Identity.Kind.choices)
    moment_kinds = dict(Moment.Kind.choices)
    consent, sources = data["consent"], _sources()
    return {
        "customer": data["customer"],
        "identities": [
            {
                **i,
                "kind_label": kinds.get(i["kind"], i["kind"]),
                "shown": display_phone(i["value"]) if i["kind"] == "phone" else i["value"],
            }
            for i in data["identities"]
        ],
        "moments": [
            {**m, "kind_label": moment_kinds.get(m["kind"], m["kind"])} for m in data["moments"]
        ],
        "addresses": data["addresses"],
        "relations": [{**r, "label": _relation_label(r)} for r in data["relations"]],
        "consent_rows": [
            {
                "purpose": value,
                "label": label,
                **consent.get(value, {"granted": None}),
                "source_label": sources.get(consent.get(value, {}).get("source", ""), ""),
            }
            for value, label in ConsentEvent.Purpose.choices
        ],
        "preference_rows": preference_rows(data["customer"]),
    }


def history_context(user: Any, customer_id: int) -> dict[str, Any]:
    purposes, sources = dict(ConsentEvent.Purpose.choices), _sources()
    history = [
        {
            **row,
            "purpose_label": purposes.get(row["purpose"], row["purpose"]),
            "source_label": sources.get(row["source"], row["source"]),
        }
        for row in consent_history(user, customer_id)
    ]
    return {"consent_history": history, "consent_sources": sources}


def default_forms(customer: dict[str, Any]) -> dict[str, forms.Form]:
    prefs = customer["preferences"] if isinstance(customer["preferences"], dict) else {}
    current = {"language": customer["language"], "channel": prefs.get("channel", "")}
    return {
        "profile_form": ProfileForm(
            initial={k: customer[k] for k in ("kind", "name_cjk", "name_pinyin", "name_latin")}
        ),
        "preferences_form": PreferencesForm(
            initial={**prefs, "language": customer["language"], "tags": customer["tags"]},
            current=current,
        ),
        "consent_form": ConsentForm(),
        "moment_form": MomentForm(),
        "address_form": AddressForm(),
        "relation_form": RelationForm(),
        "identity_form": IdentityForm(),
    }


def visible(request: HttpRequest, customer_id: int) -> Customer:
    try:
        return customer_for_user(request.user, customer_id)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


def section_context(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """Everything the sections show (one ``customer_360``, recorded as a view)."""
    try:
        data = customer_360(request.user, customer_id)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc
    return {**details_context(data), **history_context(request.user, customer_id)}


def render_section(
    request: HttpRequest,
    customer_id: int,
    key: str,
    *,
    editing: bool,
    status: int = 200,
    done: str = "",
    error: str = "",
    **extra: Any,
) -> HttpResponse:
    """The section alone for htmx; without JavaScript, the editor as a page of its own."""
    context = section_context(request, customer_id)
    forms_ = default_forms(context["customer"])
    context.update(forms_)
    context.update(editing=editing, done=done, error=error, **extra)
    template = f"web/customers/sections/_{key}.html"
    if getattr(request, "htmx", False):
        return render(request, template, context, status=status)
    context.update(section_template=template, section_key=key)
    return render(request, "web/customers/section.html", context, status=status)


def opened(request: HttpRequest, customer_id: int, key: str, **extra: Any) -> HttpResponse:
    """GET of a section's URL: its editor; ``?view=1`` closes it again (htmx "Done")."""
    if request.GET.get("view") and getattr(request, "htmx", False):
        return render_section(request, customer_id, key, editing=False)
    return render_section(request, customer_id, key, editing=True, **extra)


def succeeded(
    request: HttpRequest, customer_id: int, key: str, message: str, **extra: Any
) -> HttpResponse:
    """After a write. ``extra`` goes to the htmx answer (e.g. ``oob_profile``: the names and
    tags at the top of the page come along, swapped out of band)."""
    if getattr(request, "htmx", False):
        editing = SECTIONS[key].stays_open
        return render_section(request, customer_id, key, editing=editing, done=message, **extra)
    messages.success(request, message)
    return redirect(reverse("web:customer_detail", args=[customer_id]) + f"#{key}-section")


def failed(request: HttpRequest, customer_id: int, key: str, **extra: Any) -> HttpResponse:
    return render_section(request, customer_id, key, editing=True, status=400, **extra)


def _taken(request: HttpRequest, form: forms.Form, error: services.IdentityTaken) -> None:
    other_id = error.existing_customer_id
    try:
        name = customer_for_user(request.user, other_id).display_name
    except Customer.DoesNotExist:
        name = f"#{other_id}"
    link = format_html(
        '<a href="{}" data-testid="taken-link">{}</a>',
        reverse("web:customer_detail", args=[other_id]),
        name,
    )
    form.add_error(
        "value" if "value" in form.fields else None,
        format_html(_("This identifier already belongs to {customer}."), customer=link),
    )


def attempt(request: HttpRequest, form: forms.Form, write: Callable[[], Any]) -> bool:
    """Run one service call; show its refusal on the form instead of an error page."""
    try:
        write()
    except services.IdentityTaken as error:
        _taken(request, form, error)
    except ValidationError as error:
        attach_errors(form, error)
    except IntegrityError:  # a concurrent write won the race; the service rolled back
        form.add_error(None, _("This changed at the same moment elsewhere. Please try again."))
    else:
        return True
    return False
