"""Inline editors of the customer page: profile, preferences, consent and personal moments.

GET of a section's URL opens its editor; POST writes through one service (which checks the
permission again, validates, audits). See ``sections`` for how the answers look.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from heartline.core.access import requires
from heartline.customers import details, services
from heartline.customers.models import Moment
from heartline.web.forms_profile import ConsentForm, MomentForm, PreferencesForm, ProfileForm
from heartline.web.views.customers.sections import (
    attempt,
    failed,
    opened,
    succeeded,
    visible,
)

GET_OR_POST = ["GET", "POST"]


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def profile_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Kind and names. A changed name in characters gets its pinyin again unless pinyin was
    changed too."""
    if request.method == "GET":
        return opened(request, customer_id, "profile")
    customer = visible(request, customer_id)
    form = ProfileForm(request.POST)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        if fields["name_cjk"] != customer.name_cjk and fields["name_pinyin"] == (
            customer.name_pinyin
        ):
            del fields["name_pinyin"]  # derived again from the new characters
        if attempt(
            request,
            form,
            lambda: services.customer_update(actor=request.user, customer=customer, **fields),
        ):
            return succeeded(request, customer_id, "profile", _("Profile saved."), oob_profile=True)
    return failed(request, customer_id, "profile", profile_form=form)


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def preferences_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Language, tags and the preferences (channel, contact hours, sizes, styles, …)."""
    if request.method == "GET":
        return opened(request, customer_id, "preferences")
    customer = visible(request, customer_id)
    prefs = customer.preferences if isinstance(customer.preferences, dict) else {}
    current = {"language": customer.language, "channel": str(prefs.get("channel", ""))}
    form = PreferencesForm(request.POST, current=current)
    if form.is_valid():
        fields = {
            "language": form.cleaned_data["language"],
            "tags": form.cleaned_data["tags"],
            "preferences": form.preferences(),
        }
        if attempt(
            request,
            form,
            lambda: services.customer_update(actor=request.user, customer=customer, **fields),
        ):
            return succeeded(
                request, customer_id, "preferences", _("Preferences saved."), oob_profile=True
            )
    return failed(request, customer_id, "preferences", preferences_form=form)


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def consent_record(request: HttpRequest, customer_id: int) -> HttpResponse:
    """One decision for one purpose, appended to the ledger; giving and withdrawing alike."""
    if request.method == "GET":
        return opened(request, customer_id, "consent")
    customer = visible(request, customer_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if attempt(
            request,
            form,
            lambda: services.consent_record(
                actor=request.user,
                customer=customer,
                purpose=data["purpose"],
                granted=data["decision"] == "grant",
                source=data["source"],
                evidence=data["evidence"],
            ),
        ):
            return succeeded(request, customer_id, "consent", _("Consent recorded."))
    return failed(request, customer_id, "consent", consent_form=form)


@requires("customers.edit")
@require_http_methods(GET_OR_POST)
def moment_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A birthday (replacing the one known), an anniversary or another date; year optional."""
    if request.method == "GET":
        return opened(request, customer_id, "moments")
    customer = visible(request, customer_id)
    form = MomentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if attempt(
            request,
            form,
            lambda: services.moment_set(
                actor=request.user,
                customer=customer,
                kind=data["kind"],
                month=data["month"],
                day=data["day"],
                year=data["year"],
                label=data["label"],
            ),
        ):
            return succeeded(request, customer_id, "moments", _("Date saved."))
    return failed(request, customer_id, "moments", moment_form=form)


@requires("customers.edit")
@require_POST
def moment_remove(request: HttpRequest, customer_id: int, moment_id: int) -> HttpResponse:
    customer = visible(request, customer_id)
    try:
        details.moment_remove(actor=request.user, customer=customer, moment_id=moment_id)
    except Moment.DoesNotExist as exc:
        raise Http404 from exc
    return succeeded(request, customer_id, "moments", _("Date removed."))
